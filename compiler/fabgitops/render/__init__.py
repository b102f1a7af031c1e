"""The render stage: Kustomize overlays per organization over the hand-written ``bases/``.

Public API: :func:`render` (plan + crypto material + channel artifacts -> :class:`Rendered`:
files and the PlainSecrets for the seal stage). The layout is documented in
:mod:`fabgitops.render.stage`.
"""

from fabgitops.render.stage import Rendered, render

__all__ = ["Rendered", "render"]
