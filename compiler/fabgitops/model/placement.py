"""Placement: the Kubernetes clusters a network spans, and how their nodes reach each other.

A network without ``Kubernetes.Clusters`` runs in one cluster, exactly as before. With clusters,
each org names its ``Cluster``; a node dialed from another cluster gets an external endpoint
(an SNI-passthrough Ingress or a LoadBalancer) under the cluster's ``ExternalDomain``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from fabgitops.model.base import StrictModel

CLUSTER_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
"""A DNS-1123 label: the cluster name is a directory (``clusters/<cluster>``) and an object
name suffix."""


class Exposure(StrEnum):
    """How a cluster's nodes are reached from other clusters."""

    INGRESS = "Ingress"
    """An Ingress per node with TLS passthrough: SNI ``<host>-<namespace>.<ExternalDomain>``
    on port 443 (ingress-nginx with ``--enable-ssl-passthrough``)."""
    LOAD_BALANCER = "LoadBalancer"
    """A LoadBalancer Service per node: ``<host>.<namespace>.<ExternalDomain>`` on the node's
    own port (DNS for the name is the platform's job, e.g. external-dns)."""


class Cluster(StrictModel):
    """A Kubernetes cluster that runs some of this party's orgs."""

    name: str = Field(pattern=CLUSTER_NAME_PATTERN)
    server: str | None = None
    """Argo CD destination server (``https://kubernetes.default.svc`` for Argo CD's own
    cluster); default the in-cluster server unless ``DestinationName`` is set."""
    destination_name: str | None = Field(default=None, min_length=1)
    """Argo CD destination by cluster name (as registered with ``argocd cluster add``)."""
    flux_path: str | None = Field(default=None, min_length=1)
    """Flux entry point of the cluster (the directory its ``flux bootstrap --path`` syncs);
    default ``clusters/<Name>/flux``."""
    external_domain: str | None = Field(default=None, min_length=1)
    """DNS suffix of the external endpoints of this cluster's nodes."""
    exposure: Exposure = Exposure.INGRESS
    ingress_class_name: str = Field(default="nginx", min_length=1)
    """IngressClass of the passthrough Ingresses (``Exposure: Ingress``)."""
    ingress_namespace: str = Field(default="ingress-nginx", min_length=1)
    """Namespace of the ingress controller: the only source the NetworkPolicies admit for
    traffic from other clusters."""
