"""Shared pieces of the model: the strict base class, limits and the value formats."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_pascal

from fabgitops.model.docstrings import describe_fields

# Limits that catch typos (a Count of 100000000, a list pasted twice) as a located error
# (exit 3) before expansion spends minutes and gigabytes on them. They are not what the
# compiler can do: it is linear in orgs and nodes, and 1000 peer orgs x 10 peers compiles
# (benchmarks/speed_bench.py --scale 1000); MAX_ORGS leaves twice that as headroom.
MAX_NODES_PER_TEMPLATE = 1000
MAX_USERS_PER_ORG = 1000
MAX_ORGS = 2000

SIZE_PATTERN = r"^[0-9]+\s*[kKmMgG][bB]?$"
DURATION_PATTERN = r"^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))*$"  # noqa: E501
QUANTITY_PATTERN = r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$"

ByteSize = Annotated[
    int | Annotated[str, Field(pattern=SIZE_PATTERN)],
    Field(description="Bytes, as a number or as Fabric writes sizes: '99 MB', '512 KB' "
          "(binary units)."),
]
Duration = Annotated[
    str, Field(pattern=DURATION_PATTERN, description="A Go duration such as '2s' or '500ms'.")
]
Quantity = Annotated[
    str, Field(pattern=QUANTITY_PATTERN, description="A Kubernetes quantity: '500m', '1Gi'.")
]


class StrictModel(BaseModel):
    """Frozen, strict, no unknown keys; PascalCase keys in YAML, snake_case in Python."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_pascal,
        populate_by_name=True,
        # Each model's validator is built on first use, not at import: validating a
        # ClusterConfig builds its nested models once, inside its own schema, and the models
        # it never meets (bundles) cost nothing (issue 14: validate must start in a blink).
        defer_build=True,
    )

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        describe_fields(cls)  # field docstrings become the JSON Schema's descriptions
