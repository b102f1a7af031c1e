"""Placement: which cluster runs which org, and what crosses between clusters.

``rules`` checks the ``Kubernetes.Clusters`` section and each org's ``Cluster``, ``External``
and ``Bundle`` keys; ``clusters`` answers "which cluster runs this org" for the later stages.
"""
