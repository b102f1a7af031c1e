"""The Kafka and ZooKeeper overlay of a kafka network, in its own namespace (the article's
"Kafka namespace, unrelated to any Fabric organization", docs/article.md#kafka).

Sizes follow the network: message.max.bytes and replica.fetch.max.bytes one MiB above the
channel's AbsoluteMaxBytes (Fabric's kafka.rst: AbsoluteMaxBytes < replica.fetch.max.bytes <=
message.max.bytes), brokers advertise the names the channel config lists (plan.kafka.brokers).
"""

from __future__ import annotations

from fabgitops.kustomize import json_patch, kustomization
from fabgitops.model import Component
from fabgitops.plan import KafkaCluster, Plan
from fabgitops.render.common import (
    Labels,
    Manifest,
    base_ref,
    env,
    image_entries,
    node_labels,
    overlay_dir,
    resources_override,
    storage_patch,
)
from fabgitops.render.context import Collector, RenderInputs
from fabgitops.render.namespace_objects import kafka_network_policies, namespace_files
from fabgitops.tree import manifest_file

MESSAGE_MARGIN = 1024 * 1024
"""Room for Kafka's own record overhead above a block's AbsoluteMaxBytes."""


def _statefulset_patch(name: str, replicas: int, containers: list[Manifest],
                       init_containers: list[Manifest] | None = None) -> Manifest:
    spec: Manifest = {"containers": containers}
    if init_containers:
        spec["initContainers"] = init_containers
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "template": {"spec": spec}}}


def _with_resources(container: Manifest, plan: Plan, component: Component) -> Manifest:
    override = resources_override(plan, component)
    return {**container, "resources": override} if override else container


def _zookeeper(plan: Plan, kafka: KafkaCluster) -> Manifest:
    servers = [f"server.{i + 1}={zk.host}:2888:3888" for i, zk in enumerate(kafka.zookeepers)]
    # The entrypoint writes each word of ZOO_SERVERS as a zoo.cfg line (see bases/zookeeper).
    container = {"name": "zookeeper",
                 "env": [env("ZOO_SERVERS", " ".join([*servers, "quorumListenOnAllIPs=true"]))]}
    return _statefulset_patch("zookeeper", len(kafka.zookeepers),
                              [_with_resources(container, plan, Component.ZOOKEEPER)])


def _kafka(plan: Plan, kafka: KafkaCluster) -> Manifest:
    zookeepers = ",".join(str(zk) for zk in kafka.zookeepers)
    message_bytes = str(plan.consensus.absolute_max_bytes + MESSAGE_MARGIN)
    # Literal values only: patched variables move to the front of the list, before the
    # variables that $(VAR) references in the base would need (see bases/kafka).
    container = {"name": "kafka", "env": [
        env("CLUSTER_DOMAIN", plan.cluster_domain),
        env("KAFKA_ZOOKEEPER_CONNECT", zookeepers),
        env("KAFKA_MESSAGE_MAX_BYTES", message_bytes),
        env("KAFKA_REPLICA_FETCH_MAX_BYTES", message_bytes),
    ]}
    wait = {"name": "wait-for-zookeeper", "env": [env("ZOOKEEPERS", zookeepers)]}
    return _statefulset_patch("kafka", len(kafka.brokers),
                              [_with_resources(container, plan, Component.KAFKA)], [wait])


def _component_dir(out: Collector, root: str, name: str, labels: Labels, patch: Manifest,
                   storage_ops: list[Manifest]) -> str:
    document = kustomization(
        [base_ref(name)], labels=node_labels(labels),
        patches=[{"path": "statefulset-patch.yaml", "target": {"kind": "StatefulSet",
                                                                "name": name}},
                 json_patch("StatefulSet", name, storage_ops)])
    out.file(f"{root}/{name}/kustomization.yaml", manifest_file(document))
    out.file(f"{root}/{name}/statefulset-patch.yaml", manifest_file(patch))
    return name


def kafka_overlay(ctx: RenderInputs, out: Collector, kafka: KafkaCluster) -> None:
    """Write ``overlays/<kafka namespace>/``."""
    plan = ctx.plan
    namespace = kafka.namespace
    root = overlay_dir(namespace)
    labels = ctx.labels(namespace, "kafka", "kafka", namespace)
    policies = kafka_network_policies(namespace, labels, [o.namespace for o in plan.orderer_orgs]
                                      ) if plan.kubernetes.network_policies else []
    resources = out.files_of(root, namespace_files(
        namespace, labels, network_policies=policies, budget_roles=["kafka", "zookeeper"]))
    storage = plan.kubernetes.storage
    resources.append(_component_dir(
        out, root, "zookeeper", ctx.labels(namespace, "zookeeper", "zookeeper", "zookeeper"),
        _zookeeper(plan, kafka), storage_patch(plan, storage.zoo_keeper)))
    resources.append(_component_dir(
        out, root, "kafka", ctx.labels(namespace, "kafka", "kafka", "kafka"),
        _kafka(plan, kafka), storage_patch(plan, storage.kafka)))
    document = kustomization(resources, namespace=namespace, components=ctx.user_components(root),
                             images=image_entries(plan, ["kafka", "zoo_keeper"]))
    out.file(f"{root}/kustomization.yaml", manifest_file(document))
