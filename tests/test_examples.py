"""The bundled examples the README points at work as described."""
from __future__ import annotations

from conftest import EXAMPLES


def ids(run):
    return [f["id"] for f in run.json()["findings"]]


def test_facts_example(cli):
    run = cli("check", str(EXAMPLES / "mx-foreign.yaml"), "--format", "json")
    assert run.code == 1 and ids(run) == ["mx-invalid", "test-email-not-received"]


def test_api_example(cli):
    run = cli("check", str(EXAMPLES / "api-diagnosis.json"), "--format", "json")
    assert run.code == 1 and ids(run) == ["webmail-auth-failed", "test-email-not-sent"]


def test_pasted_report_example(cli):
    run = cli("report", str(EXAMPLES / "incollato.txt"), "--format", "json")
    assert run.code == 1
    assert ids(run) == ["account-spam-blocked", "mx-invalid", "test-email-not-received"]


def test_zone_file_example(cli):
    run = cli("dns", "--zone-file", str(EXAMPLES / "example.it.zone"), "--offer", "hosted", "--pop-imap", "none",
              "--format", "json")
    # The example zone publishes no _dmarc record: dmarc-missing is a true finding too.  Its foreign MX
    # comes after OVHcloud's: a fallback, so a warning.
    assert run.code == 1 and ids(run) == ["dmarc-missing", "mx-foreign-backup", "srv-invalid"]
    assert "mail.example.com" in run.json()["findings"][1]["explanation"]
