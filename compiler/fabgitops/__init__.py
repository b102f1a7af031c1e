"""fabgitops: compile one cluster-config.yaml into a GitOps repository for Hyperledger Fabric."""

__version__ = "0.1.0"
