"""The rules pass ``promtool check rules``, and ``promtool test rules`` shows that they fire when
they should and stay silent otherwise."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from fabgitops import monitoring
from fabgitops.monitoring.inventory import KEYSTORE
from tests.monitoring.support import compiled, run_promtool, settings, write_yaml
from tests.render.support import Compiled

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""promtool evaluates test rules from the epoch on: time() is 0 at eval_time 0."""


def operator_rule_groups(network: Compiled) -> list[dict[str, Any]]:
    """The groups of every PrometheusRule in the org overlays."""
    groups = []
    for path, content in sorted(network.rendered.files.items()):
        if path.endswith("/" + monitoring.OVERLAY_FILE):
            for doc in yaml.safe_load_all(content):
                if doc["kind"] == "PrometheusRule":
                    groups += doc["spec"]["groups"]
    return groups


@pytest.mark.parametrize(("name", "operator"), [
    ("article", True), ("article", False), ("bft", True), ("kafka", True)])
def test_rules_pass_promtool_check(name: str, operator: bool, tmp_path: Path) -> None:
    network = compiled(name, operator)
    if operator:
        groups = operator_rule_groups(network)
    else:
        files = monitoring.network_files(network.plan, network.material.keystore,
                                         settings(network))
        groups = yaml.safe_load(files[monitoring.RULES_FILE])["groups"]
    rules = sum(len(g["rules"]) for g in groups)
    assert rules > 0
    output = run_promtool("check", "rules", str(write_yaml(tmp_path / "rules.yaml",
                                                           {"groups": groups})), cwd=tmp_path)
    assert f"SUCCESS: {rules} rules found" in output, output


def eval_order(groups: list[dict[str, Any]]) -> list[str]:
    """Inventory groups first: promtool otherwise evaluates groups in random order, and an
    alert evaluated before the series it reads were recorded at that instant finds nothing
    when the previous evaluation is older than the 5-minute lookback."""
    names = [g["name"] for g in groups]
    return sorted(names, key=lambda n: not n.endswith("-inventory"))


def fake_certificate(common_name: str, not_after: datetime) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(EPOCH - timedelta(days=1)).not_valid_after(not_after)
                   .sign(key, hashes.SHA256()))
    return certificate.public_bytes(Encoding.PEM)


def expiry_case(tmp_path: Path, days_left: dict[str, int], eval_time: str,
                expected: list[dict[str, Any]]) -> str:
    """Rules from a faked keystore (peer TLS certificates of org1 expiring ``days_left`` days
    after the epoch) and a promtool test expecting ``expected`` FabricCertificateExpiry
    alerts (their labels) at ``eval_time``."""
    network = compiled()
    org = network.plan.org("Org1")
    keystore = {}
    for node in org.nodes:
        if node.hostname in days_left:
            folder = f"{org.crypto_dir}/peers/{node.identity.common_name}/tls"
            keystore[f"{KEYSTORE}{folder}/cert.pem"] = fake_certificate(
                node.identity.common_name, EPOCH + timedelta(days=days_left[node.hostname]))
    groups = monitoring.rule_groups(network.plan, keystore, settings(network), (org,))
    write_yaml(tmp_path / "rules.yaml", {"groups": groups})
    write_yaml(tmp_path / "test.yaml", {
        "rule_files": ["rules.yaml"], "group_eval_order": eval_order(groups),
        # The expiry rules have no "for": hourly evaluation is enough, and fast for 14 days.
        "evaluation_interval": "1h",
        "tests": [{"interval": "1h", "input_series": [], "alert_rule_test": [{
            "eval_time": eval_time, "alertname": monitoring.rules.CERTIFICATE_EXPIRY.name,
            "exp_alerts": expected}]}],
    })
    return run_promtool("test", "rules", "test.yaml", cwd=tmp_path)


def cert_alert(node: str, severity: str, left: str) -> dict[str, Any]:
    """The expected alert: its labels, and annotations naming org, node, channel and runbook."""
    org = compiled().plan.org("Org1")
    common_name = org.node(node).identity.common_name
    folder = f"{org.crypto_dir}/peers/{common_name}/tls"
    return {
        "exp_labels": {"severity": severity, "network": "fabric", "org": "org1", "node": node,
                       "kind": "tls", "subject": common_name, "certificate": folder},
        "exp_annotations": {
            "summary": "certificate expires soon",
            "runbook_url": "README.md#fabriccertificateexpiry",
            "description": f"The tls certificate {common_name} of {node} in org org1 (keystore "
                           f"{folder}; the org is in: mychannel) expires in {left}. Run "
                           "`fabgitops compile --renew` and let the GitOps engine apply it."}}


def test_a_certificate_expiring_in_5_days_fires_the_critical_alert(tmp_path: Path) -> None:
    output = expiry_case(tmp_path, {"peer0": 5, "peer1": 100}, "1h",
                         [cert_alert("peer0", "critical", "4d 23h 0m 0s")])
    assert "SUCCESS" in output


def test_certificates_far_from_expiry_stay_silent(tmp_path: Path) -> None:
    output = expiry_case(tmp_path, {"peer0": 100, "peer1": 31}, "1h", [])
    assert "SUCCESS" in output


def test_thirty_days_warn_and_the_warning_turns_critical(tmp_path: Path) -> None:
    expiry_case(tmp_path, {"peer0": 20}, "1h",
                [cert_alert("peer0", "warning", "19d 23h 0m 0s")])
    expiry_case(tmp_path, {"peer0": 20}, "14d",
                [cert_alert("peer0", "critical", "6d 0h 0m 0s")])


def test_promtool_test_fails_when_expectations_are_wrong(tmp_path: Path) -> None:
    """The expiry cases can fail: expecting silence from a 5-day certificate is an error."""
    with pytest.raises(AssertionError, match="FabricCertificateExpiry"):
        expiry_case(tmp_path, {"peer0": 5}, "1h", [])


def alert_case(tmp_path: Path, series: list[dict[str, str]], alert: str, eval_time: str,
               expected: list[dict[str, str]], name: str = "article") -> None:
    """A promtool test of ``alert`` on the full rules of a monitored network."""
    network = compiled(name)
    # These cases check when alerts fire; the expiry cases above check the annotations.
    groups = [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"}
                              for r in g["rules"]]} for g in operator_rule_groups(network)]
    write_yaml(tmp_path / "rules.yaml", {"groups": groups})
    write_yaml(tmp_path / "test.yaml", {
        "rule_files": ["rules.yaml"], "group_eval_order": eval_order(groups),
        "evaluation_interval": "1m",
        "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": [{
            "eval_time": eval_time, "alertname": alert,
            "exp_alerts": [{"exp_labels": labels} for labels in expected]}]}],
    })
    run_promtool("test", "rules", "test.yaml", cwd=tmp_path)


def target(node: str, org: str = "org1", role: str = "peer") -> str:
    return f'network="fabric", org="{org}", node="{node}", role="{role}"'


def test_node_down_names_the_node_and_its_channels(tmp_path: Path) -> None:
    """org1's peer0 answers, its peer1 does not; every other node was never scraped at all
    (the compile-time node inventory still knows it should run)."""
    series = [{"series": f"up{{{target('peer0')}}}", "values": "1x20"},
              {"series": f"up{{{target('peer1')}}}", "values": "0x20"},
              {"series": f"up{{{target('ca', role='ca')}}}", "values": "1x20"}]
    expected = [{"severity": "critical", "network": "fabric", "org": org.namespace,
                 "node": node.hostname, "role": node.kind.value, "channels": "mychannel"}
                for org in compiled().plan.orgs for node in org.nodes
                if (org.namespace, node.hostname) != ("org1", "peer0")]
    assert len(expected) == 4
    alert_case(tmp_path, series, "FabricNodeDown", "10m", expected)
    alert_case(tmp_path, series, "FabricNodeDown", "1m", [])


def test_peer_lag_and_no_leader(tmp_path: Path) -> None:
    orderer = compiled().plan.orderer_orgs[0]
    ordering = target(orderer.nodes[0].hostname, orderer.namespace, "orderer")
    series = [
        {"series": f'ledger_blockchain_height{{{ordering}, channel="mychannel"}}',
         "values": "100+10x20"},
        {"series": f'ledger_blockchain_height{{{target("peer0")}, channel="mychannel"}}',
         "values": "100+10x20"},
        {"series": f'ledger_blockchain_height{{{target("peer1")}, channel="mychannel"}}',
         "values": "100x20"},
        {"series": f'consensus_etcdraft_is_leader{{{ordering}, channel="mychannel"}}',
         "values": "1x5 0x15"},
    ]
    alert_case(tmp_path, series, "FabricPeerHeightLag", "15m", [
        {"severity": "warning", "network": "fabric", "org": "org1", "node": "peer1",
         "role": "peer", "channel": "mychannel"}])
    alert_case(tmp_path, series, "FabricPeerHeightLag", "1m", [])
    alert_case(tmp_path, series, "FabricConsensusNoLeader", "4m", [])
    alert_case(tmp_path, series, "FabricConsensusNoLeader", "10m", [
        {"severity": "critical", "network": "fabric", "channel": "mychannel"}])


def test_every_alert_links_to_its_runbook_section() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#+ (.+)$", readme, flags=re.M)}
    found = 0
    for group in operator_rule_groups(compiled()):
        for rule in group["rules"]:
            if "alert" in rule:
                found += 1
                url = rule["annotations"]["runbook_url"]
                assert url.startswith("README.md#"), url
                assert url.split("#")[1] in anchors, url
    assert found >= len(monitoring.ALERTS)


def test_the_plain_scrape_configuration_passes_promtool_check_config(tmp_path: Path) -> None:
    """Without the Operator: the scrape jobs and the rule file, as a prometheus.yml would hold
    them (the Secrets' files in place), pass ``promtool check config``; a missing TLS file
    fails it."""
    network = compiled("article", False)
    files = monitoring.network_files(network.plan, network.material.keystore,
                                     settings(network))
    (tmp_path / "rules.yaml").write_bytes(files[monitoring.RULES_FILE])
    text = files[monitoring.SCRAPE_CONFIG_FILE].decode()
    assert text.count("job_name:") == sum(len(o.nodes) + 1 for o in network.plan.orgs)
    for org in network.plan.orgs:
        mounted = tmp_path / "secrets" / f"fabric-{org.namespace}"
        mounted.mkdir(parents=True)
        for name in ("ca.crt", "tls.crt", "tls.key"):
            (mounted / name).write_text("unused by check config\n")
    text = text.replace("/etc/prometheus/secrets/", f"{tmp_path}/secrets/")
    config = yaml.safe_load(text)
    for job in config["scrape_configs"]:
        # Debian's Prometheus is built without Kubernetes discovery (promtool rejects the key);
        # everything else of the job (scheme, TLS files, relabelling) is still checked.
        assert job.pop("kubernetes_sd_configs")[0]["role"] == "endpoints"
        job["static_configs"] = [{"targets": ["placeholder:9443"]}]
    write_yaml(tmp_path / "prometheus.yml", {"rule_files": ["rules.yaml"], **config})
    output = run_promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert "SUCCESS" in output and "rules found" in output, output
    (tmp_path / "secrets" / f"fabric-{network.plan.orgs[0].namespace}" / "tls.key").unlink()
    with pytest.raises(AssertionError, match=r"tls\.key"):
        run_promtool("check", "config", "prometheus.yml", cwd=tmp_path)
