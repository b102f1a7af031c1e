"""The committed JSON Schema is exactly what the models generate, and it accepts the examples."""

from __future__ import annotations

import json
import tomllib

import jsonschema
from pydantic import Field

from fabgitops import yamlio
from fabgitops.model import StrictModel
from fabgitops.schema import json_schema, schema_text, shipped_path, shipped_schema
from tests.conftest import ARTICLE, REPO

SCHEMA_FILE = REPO / "schemas" / "cluster-config.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    # Regenerate with: fabgitops schema > schemas/cluster-config.schema.json
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_validate_reads_the_committed_schema() -> None:
    # validate reads the file instead of generating the schema (start-up, issue 14).
    path = shipped_path()
    assert path is not None
    assert path.resolve() == SCHEMA_FILE.resolve()
    assert shipped_schema() == json_schema()


def test_attribute_docstrings_describe_fields() -> None:
    class Local(StrictModel):
        """Not a field's description."""

        plain: int = 0
        """The first."""
        given: int = Field(default=0, description="Given wins.")
        """Not used: the Field's description is."""
        bare: str = ""
        other: str = ""
        """The last."""

    described = {name: field.description for name, field in Local.model_fields.items()}
    assert described == {"plain": "The first.", "given": "Given wins.", "bare": None,
                         "other": "The last."}
    properties = Local.model_json_schema(by_alias=True)["properties"]
    assert properties["Plain"]["description"] == "The first."


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_text()))


def test_every_example_validates_and_points_editors_at_the_schema() -> None:
    schema = json.loads(schema_text())
    examples = sorted((REPO / "examples").glob("*/cluster-config.yaml"))
    assert ARTICLE in examples
    for path in examples:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../../schemas/"), path
        jsonschema.validate(yamlio.parse(text, source=str(path)).data, schema)


def test_schema_names_every_design_key() -> None:
    props = json.loads(schema_text())["properties"]
    assert set(props) == {"Network", "OrdererOrgs", "PeerOrgs", "Consensus", "Channels",
                          "Kubernetes", "GitOps", "Secrets", "Keystore", "Chaincodes",
                          "Monitoring"}
    defs = json.loads(schema_text())["$defs"]
    assert {"Name", "Domain", "EnableNodeOUs", "CA", "Template", "Specs", "Users", "MSPID",
            "AnchorPeers", "StateDatabase", "Policies"} <= set(defs["PeerOrg"]["properties"])
    assert {"Count", "Start", "Hostname", "SANS"} <= set(defs["NodeTemplate"]["properties"])
    assert {"Hostname", "CommonName", "Country", "Province", "Locality", "OrganizationalUnit",
            "StreetAddress", "PostalCode", "SANS"} <= set(defs["NodeSpec"]["properties"])


def test_every_subpackage_ships_in_the_wheel() -> None:
    # pyproject lists packages by hand (bases/ is mapped in): a new subpackage must be added.
    settings = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    source = REPO / "compiler"
    found = {".".join(p.parent.relative_to(source).parts)
             for p in (source / "fabgitops").rglob("__init__.py")}
    assert found <= set(settings["packages"]), sorted(found - set(settings["packages"]))
    assert settings["package-dir"]["fabgitops.bases"] == "bases"
