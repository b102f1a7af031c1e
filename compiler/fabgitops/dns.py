"""Kubernetes' DNS name rules (k8s.io/apimachinery validation IsDNS1123Label/Subdomain).

One definition for the validation rules (host names, domains as namespaces, the network name)
and for the seal stage's guard on the Secrets it is handed.
"""

from __future__ import annotations

import re

MAX_LABEL = 63
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(
    r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def label_problem(value: str) -> str | None:
    """Why ``value`` is not a DNS-1123 label, or None when it is one."""
    if len(value) > MAX_LABEL:
        return f"{value!r} is longer than {MAX_LABEL} characters"
    if not _LABEL.match(value):
        return (f"{value!r} is not a DNS-1123 label (lowercase letters, digits and '-', "
                "starting and ending with a letter or digit; no dots, no uppercase)")
    return None


def is_subdomain(value: str) -> bool:
    """Whether ``value`` is a DNS-1123 subdomain (the names of most Kubernetes objects)."""
    return _SUBDOMAIN.match(value) is not None
