"""Container image references: how one splits into name, tag and digest, and when it is pinned.

One definition for the validation rule (``rules.names``) and for the Kustomize ``images``
entries (``render.common``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# [registry[:port]/]path[:tag][@digest]: a ':' after the last '/' starts the tag.
_DIGEST = re.compile(r"^(?P<name>[^@]+)@(?P<digest>sha256:[0-9a-f]{64})$")


@dataclass(frozen=True)
class ImageRef:
    """A pinned image reference: a name with a tag (not ``latest``) or with a digest."""

    name: str
    tag: str | None = None
    digest: str | None = None


def parse_image(reference: str) -> ImageRef:
    """Split a reference, refusing one that is not pinned.

    Raises:
        ValueError: the reference has no tag and no digest, or uses the tag ``latest``; the
            message says so.
    """
    match = _DIGEST.match(reference)
    if match:
        return ImageRef(match["name"], digest=match["digest"])
    name, _, tag = reference.rpartition(":")
    if not name or "/" in tag or not tag:
        raise ValueError(f"image {reference!r} has no tag: pin a version (or a digest)")
    if tag == "latest":
        raise ValueError(f"image {reference!r} uses the tag 'latest': pin a version (or a "
                         "digest)")
    return ImageRef(name, tag=tag)
