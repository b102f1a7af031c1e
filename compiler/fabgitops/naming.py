"""Node naming exactly as cryptogen's ``renderOrgSpec``: templates, common names and SANs.

cryptogen renders host names, common names and SANs with Go's text/template. Configurations use
only field substitutions (``{{.Prefix}}{{.Index}}``), which is what this module supports; any
other template action is reported as an error rather than silently misread.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from fabgitops.model import NodeSpec, Organization, PublicKeyAlgorithm

DEFAULT_HOSTNAME_TEMPLATE = "{{.Prefix}}{{.Index}}"
DEFAULT_CN_TEMPLATE = "{{.Hostname}}.{{.Domain}}"
DEFAULT_CA_HOSTNAME = "ca"

_ACTION = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_FIELD = re.compile(r"^\.([A-Za-z_][A-Za-z0-9_]*)$")

SourcePath = tuple[str | int, ...]


class TemplateError(ValueError):
    """A Go template in the configuration cannot be rendered."""


def render_template(text: str, data: Mapping[str, str | int]) -> str:
    """Render a Go template made of ``{{.Field}}`` actions, like text/template would.

    Raises:
        TemplateError: an action is not a field of ``data`` or is not a plain field reference.
    """

    def substitute(match: re.Match[str]) -> str:
        field = _FIELD.match(match.group(1))
        if not field:
            raise TemplateError(
                f"unsupported template action {match.group(0)!r}: use fields such as "
                + ", ".join("{{." + k + "}}" for k in data)
            )
        name = field.group(1)
        if name not in data:
            known = ", ".join("{{." + k + "}}" for k in data)
            raise TemplateError(f"unknown template field {{{{.{name}}}}}; known here: {known}")
        return str(data[name])

    rendered = _ACTION.sub(substitute, text)
    if "{{" in rendered or "}}" in rendered:
        raise TemplateError(f"unbalanced template braces in {text!r}")
    return rendered


@dataclass(frozen=True)
class ExpandedNode:
    """A node after template expansion, with the config path it came from."""

    hostname: str
    common_name: str
    sans: tuple[str, ...]
    """cryptogen's TLS SANs: the CN, the host name, then each rendered ``SANS`` entry."""
    key_algorithm: PublicKeyAlgorithm
    source: SourcePath


def expand_spec(
    domain: str, spec: NodeSpec, source: SourcePath, default_hostname: str = ""
) -> ExpandedNode:
    """Render one node spec as cryptogen's ``renderNodeSpec``.

    Raises:
        TemplateError: the common name or a SAN template cannot be rendered.
    """
    hostname = spec.hostname or default_hostname
    data: dict[str, str | int] = {"Hostname": hostname, "Domain": domain}
    cn = render_template(spec.common_name or DEFAULT_CN_TEMPLATE, data)
    data["CommonName"] = cn
    sans = [cn, hostname] + [render_template(san, data) for san in spec.sans]
    algorithm = spec.public_key_algorithm or PublicKeyAlgorithm.ECDSA
    return ExpandedNode(hostname, cn, tuple(sans), algorithm, source)


def template_spec(org: Organization, prefix: str, i: int) -> NodeSpec:
    """The spec of the ``i``-th node of the org's ``Template`` (cryptogen's renderOrgSpec).

    Raises:
        TemplateError: the ``Template.Hostname`` template cannot be rendered.
    """
    template = org.template
    data: dict[str, str | int] = {
        "Prefix": prefix, "Index": template.start + i, "Domain": org.domain
    }
    hostname = render_template(template.hostname or DEFAULT_HOSTNAME_TEMPLATE, data)
    return NodeSpec(
        hostname=hostname, sans=template.sans, public_key_algorithm=template.public_key_algorithm
    )


def expand_nodes(org: Organization, prefix: str, source: SourcePath) -> list[ExpandedNode]:
    """Expand an org's ``Specs`` and ``Template`` into nodes, in cryptogen's order.

    cryptogen appends the template's nodes after the explicit ``Specs``.

    Raises:
        TemplateError: a host name, common name or SAN template cannot be rendered.
    """
    nodes = [
        expand_spec(org.domain, spec, (*source, "Specs", i)) for i, spec in enumerate(org.specs)
    ]
    for i in range(org.template.count):
        spec = template_spec(org, prefix, i)
        nodes.append(expand_spec(org.domain, spec, (*source, "Template")))
    return nodes


def expand_ca(org: Organization, source: SourcePath) -> ExpandedNode:
    """Expand the org's CA spec (host name ``ca`` unless set), as cryptogen does.

    Raises:
        TemplateError: the CA's common name or SAN template cannot be rendered.
    """
    return expand_spec(org.domain, org.ca, (*source, "CA"), DEFAULT_CA_HOSTNAME)


def user_common_names(org_domain: str, count: int) -> list[str]:
    """The users cryptogen creates: ``User1@<domain>``.., then ``Admin@<domain>``."""
    return [f"User{j}@{org_domain}" for j in range(1, count + 1)] + [f"Admin@{org_domain}"]
