"""Checking an imported bundle: it parses, its certificates parse and chain to its CAs, its
endpoints are named by its nodes' TLS certificates, and it holds no private key.

Every problem is located in the bundle file (``file:line:col: path: message``); a mismatch with
the cluster-config entry that names the bundle is located there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pydantic
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from pydantic_core import ErrorDetails

from fabgitops.errors import Issue
from fabgitops.parties.bundle import MSP_PATH_PATTERN, BundleNode, OrgBundle
from fabgitops.plan import Org
from fabgitops.yamlio import Document, Path

PRIVATE_KEY_MARK = "PRIVATE" + " KEY"
"""Any PEM private key header (``BEGIN PRIVATE KEY``, ``BEGIN EC PRIVATE KEY``...)."""


def private_key_issues(doc: Document, text: str) -> Iterator[Issue]:
    """A bundle carrying a private key is refused at the line that holds it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if PRIVATE_KEY_MARK in line:
            yield Issue(doc.source, number, line.find(PRIVATE_KEY_MARK) + 1, (),
                        "the bundle holds a private key: a bundle must carry public material "
                        "only (its party should re-export it with fabgitops export-org)")


def parse_bundle(doc: Document) -> OrgBundle | list[Issue]:
    """The bundle model of a parsed file, or its located shape problems."""
    try:
        return OrgBundle.model_validate_json(json.dumps(doc.data))
    except pydantic.ValidationError as exc:
        return [doc.issue(tuple(e["loc"]), _message(e)) for e in exc.errors(include_url=False)]


def _message(error: ErrorDetails) -> str:
    if error["type"] == "string_pattern_mismatch" and error["loc"][-1:] == ("Endpoint",):
        return f"{error['input']!r} is not host:port (a lowercase DNS name or IP, and a port)"
    return error["msg"]


def entry_issues(config_doc: Document, org: Org, bundle: OrgBundle) -> Iterator[Issue]:
    """The cluster-config entry and the bundle must describe the same org."""
    if bundle.name != org.name:
        yield config_doc.issue(org.source.at("Name"),
                               f"the bundle is for org {bundle.name!r}, not {org.name!r}")
    if bundle.kind != org.kind.value:
        section = "PeerOrgs" if bundle.kind == "peer" else "OrdererOrgs"
        yield org.source.issue(f"the bundle describes a {bundle.kind} org; list it under "
                               f"{section}")
    if bundle.domain != org.domain:
        yield config_doc.issue(org.source.at("Domain"), f"the bundle's Domain is {bundle.domain!r}")
    if org.msp_id_configured and bundle.msp_id != org.msp_id:
        yield config_doc.issue(org.source.at("MSPID"), f"the bundle's MSPID is {bundle.msp_id!r}")


def content_issues(doc: Document, bundle: OrgBundle) -> Iterator[Issue]:
    """Certificates parse, chains hold, endpoints are named, anchor peers exist."""
    certs: dict[str, x509.Certificate] = {}
    yield from _msp_issues(doc, bundle, certs)
    roots = _folder(certs, "cacerts") + _folder(certs, "intermediatecerts")
    tls_roots = _folder(certs, "tlscacerts") + _folder(certs, "tlsintermediatecerts")
    if not _folder(certs, "cacerts"):
        yield doc.issue(("MSP",), "the MSP has no CA certificate (cacerts/)")
    if not _folder(certs, "tlscacerts"):
        yield doc.issue(("MSP",), "the MSP has no TLS CA certificate (tlscacerts/)")
    for name, cert in sorted(certs.items()):
        if name.startswith("admincerts/") and roots and not _issued(cert, roots):
            yield doc.issue(("MSP", name), "the admin certificate is not issued by the org's CA")
    seen: set[str] = set()
    for i, node in enumerate(bundle.nodes):
        if node.hostname in seen:
            yield doc.issue(("Nodes", i, "Hostname"), f"node {node.hostname} is listed twice")
        seen.add(node.hostname)
        yield from _node_issues(doc, ("Nodes", i), node, roots, tls_roots)
    for i, anchor in enumerate(bundle.anchor_peers):
        if bundle.kind != "peer":
            yield doc.issue(("AnchorPeers", i), "only a peer org has anchor peers")
        elif anchor not in seen:
            yield doc.issue(("AnchorPeers", i), f"anchor peer {anchor} is not among Nodes")


def _msp_issues(doc: Document, bundle: OrgBundle,
                certs: dict[str, x509.Certificate]) -> Iterator[Issue]:
    """Every MSP file is a known one; certificates parse (collected into ``certs``)."""
    for name, pem in sorted(bundle.msp.items()):
        where = ("MSP", name)
        if name == "config.yaml":
            continue
        if re.fullmatch(MSP_PATH_PATTERN, name) is None:
            yield doc.issue(where, f"{name} is not a verifying MSP file (cacerts/, tlscacerts/, "
                            "admincerts/, intermediatecerts/, tlsintermediatecerts/, crls/, "
                            "config.yaml)")
            continue
        if name.startswith("crls/"):
            continue
        parsed = _certificate(pem)
        if parsed is None:
            yield doc.issue(where, f"{name} is not a PEM certificate")
        else:
            certs[name] = parsed


def _node_issues(doc: Document, path: Path, node: BundleNode, roots: list[x509.Certificate],
                 tls_roots: list[x509.Certificate]) -> Iterator[Issue]:
    tls = _certificate(node.tls_certificate)
    sign = _certificate(node.sign_certificate)
    if sign is None:
        yield doc.issue((*path, "SignCertificate"), "not a PEM certificate")
    elif roots and not _issued(sign, roots):
        yield doc.issue((*path, "SignCertificate"), "not issued by the org's CA (cacerts/)")
    if tls is None:
        yield doc.issue((*path, "TLSCertificate"), "not a PEM certificate")
        return
    if tls_roots and not _issued(tls, tls_roots):
        yield doc.issue((*path, "TLSCertificate"), "not issued by the org's TLS CA "
                        "(tlscacerts/)")
    host = node.endpoint.rsplit(":", 1)[0]
    port = int(node.endpoint.rsplit(":", 1)[1])
    if not 1 <= port <= 65535:
        yield doc.issue((*path, "Endpoint"), f"port {port} is out of range")
    if host not in dns_sans(tls):
        yield doc.issue((*path, "Endpoint"), f"{host} is not a SAN of the node's TLS "
                        "certificate: a client dialing it would refuse the handshake")


def dns_sans(cert: x509.Certificate) -> set[str]:
    """The DNS names and IP addresses a certificate is valid for."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    ips = {str(ip) for ip in ext.get_values_for_type(x509.IPAddress)}
    return set(ext.get_values_for_type(x509.DNSName)) | ips


def _folder(certs: dict[str, x509.Certificate], folder: str) -> list[x509.Certificate]:
    return [c for n, c in sorted(certs.items()) if n.startswith(folder + "/")]


def _certificate(pem: str) -> x509.Certificate | None:
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError:
        return None


def _issued(cert: x509.Certificate, issuers: list[x509.Certificate]) -> bool:
    for issuer in issuers:
        try:
            cert.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature):
            continue
        return True
    return False
