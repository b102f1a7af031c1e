"""CCaaS packages: byte-stable, the ID is the label plus the SHA-256 of the bytes, and the
contents are exactly what the peer's ccaas_builder reads."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabgitops.chaincode.package import (
    CODE,
    CONNECTION,
    METADATA,
    Connection,
    PackageError,
    build,
    contents,
    package_id,
    tar_gz,
)

ROOT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def test_same_inputs_give_the_same_bytes_and_id() -> None:
    first = build("basic_1.0", Connection("basic-ccaas.org1:9999", ROOT))
    second = build("basic_1.0", Connection("basic-ccaas.org1:9999", ROOT))
    assert first.data == second.data
    assert first.package_id == second.package_id


def test_package_id_is_label_and_sha256_of_the_file() -> None:
    package = build("basic_1.0", Connection("basic-ccaas.org1:9999", ROOT))
    digest = hashlib.sha256(package.data).hexdigest()
    assert package.package_id == f"basic_1.0:{digest}"
    assert package_id(package.data) == package.package_id
    assert package.file_name == f"basic_1.0.{digest}.tar.gz"


def test_any_change_of_label_or_connection_changes_the_id() -> None:
    ids = {
        build("basic_1.0", Connection("a:9999", ROOT)).package_id,
        build("basic_1.1", Connection("a:9999", ROOT)).package_id,
        build("basic_1.0", Connection("b:9999", ROOT)).package_id,
        build("basic_1.0", Connection("a:9999", None)).package_id,
    }
    assert len(ids) == 4


def test_contents_are_metadata_and_code_with_a_connection() -> None:
    files = contents(build("basic_1.0", Connection("basic-ccaas.org1:9999", ROOT)).data)
    assert sorted(files) == [CODE, f"{CODE}/{CONNECTION}", METADATA]
    assert json.loads(files[METADATA]) == {"label": "basic_1.0", "type": "ccaas"}
    assert json.loads(files[f"{CODE}/{CONNECTION}"]) == {
        "address": "basic-ccaas.org1:9999", "dial_timeout": "10s", "tls_required": True,
        "root_cert": ROOT}


def test_no_tls_leaves_out_the_root_and_client_auth_templates_the_pair() -> None:
    plain = json.loads(contents(build("x_1", Connection("x:1", None)).data)[
        f"{CODE}/{CONNECTION}"])
    assert plain == {"address": "x:1", "dial_timeout": "10s", "tls_required": False}
    mutual = json.loads(contents(build("x_1", Connection("x:1", ROOT, client_auth=True)).data)[
        f"{CODE}/{CONNECTION}"])
    # The peer's pair comes from its builder config: no private key is ever in a package.
    assert mutual["client_key"] == "{{.client_key}}"
    assert mutual["client_cert"] == "{{.client_cert}}"
    assert mutual["client_auth_required"] is True


def test_archives_have_fixed_metadata() -> None:
    data = build("basic_1.0", Connection("a:9999", ROOT)).data
    assert data[4:8] == b"\0\0\0\0"  # gzip MTIME
    assert not data[3] & 0x08  # no FNAME in the gzip header
    checked = 0
    for archive in (data, contents(data)[CODE]):
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r:gz") as tar:
            members = tar.getmembers()
        assert [m.name for m in members] == sorted(m.name for m in members)
        for member in members:
            assert (member.mtime, member.uid, member.gid, member.uname, member.gname,
                    member.mode) == (0, 0, 0, "", "", 0o644)
            assert member.isreg()
            checked += 1
    assert checked == 3


def test_bad_label_is_refused() -> None:
    with pytest.raises(PackageError, match="bad label"):
        build("bad label", Connection("a:1", None))


def test_contents_refuses_what_fabric_refuses() -> None:
    only_metadata = tar_gz({METADATA: b'{"label":"a","type":"ccaas"}'})
    with pytest.raises(PackageError, match=r"exactly metadata\.json and code\.tar\.gz"):
        contents(only_metadata)
    with pytest.raises(PackageError, match=r"not a tar\.gz"):
        contents(b"not a package")
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        entry = tarfile.TarInfo("./")  # a directory entry, as `tar -C dir .` writes
        entry.type = tarfile.DIRTYPE
        tar.addfile(entry)
    with pytest.raises(PackageError, match="not a regular file"):
        contents(gzip.compress(raw.getvalue(), mtime=0))


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,30}", fullmatch=True),
       st.text(min_size=1, max_size=40))
def test_round_trip_for_any_label_and_address(label: str, address: str) -> None:
    package = build(label, Connection(address, ROOT))
    files = contents(package.data)
    assert json.loads(files[f"{CODE}/{CONNECTION}"])["address"] == address
    assert package_id(package.data) == package.package_id
