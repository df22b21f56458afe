"""The writer's guide (docs/guida-autori.md) works as written: its example files, applied to a copy of
the knowledge base, give a brand-new rule written only in YAML and Jinja that checks, lints, tests,
previews and shows up in the docs."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import copy_kb

REPO = Path(__file__).resolve().parent.parent
GUIDE = REPO / "docs" / "guida-autori.md"
BLOCK = re.compile(r"^```\w+ (file|append|edit)=(\S+)\n(.*?)^```$", re.M | re.S)


def blocks() -> list[tuple[str, str, str]]:
    return BLOCK.findall(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture
def guided_kb(tmp_path):
    root = tmp_path / "kb"
    copy_kb(root)
    for action, name, text in blocks():
        path = root / name
        if action == "append":
            path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + text, encoding="utf-8")
        elif action == "edit":  # "# prima" the lines as they are, "# dopo" as they become
            before, after = text.removeprefix("# prima\n").split("# dopo\n")
            current = path.read_text(encoding="utf-8")
            assert current.count(before) == 1, f"the guide's edit of {name} does not match the file"
            path.write_text(current.replace(before, after), encoding="utf-8")
        else:
            assert not path.exists(), f"the guide's example overwrites {name}"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return root


def test_the_guide_has_the_worked_example():
    names = [name for _, name, _ in blocks()]
    assert "rules/facts.yaml" in names and "rules/casella.yaml" in names
    assert {"locales/it/rules/mailbox-full.explanation.j2", "locales/en/rules/mailbox-full.remediation.j2"} <= set(names)


def test_new_rule_end_to_end(cli, guided_kb):
    kb = str(guided_kb)
    lint = cli("rules", "lint", kb)
    assert lint.code == 0, lint.out
    test = cli("rules", "test", kb, "--filter", "mailbox-full", "--format", "json").json()
    assert test["summary"] == {"total": 3, "passed": 3, "failed": 0}
    assert cli("rules", "test", kb).code == 0
    check = cli("check", "--kb", kb, "--fact", "account.quota_full=true", "--fact", "domain=example.it",
                "--fact", "test_email.received=false", "--format", "json")
    assert check.code == 1
    findings = {f["id"]: f for f in check.json()["findings"]}
    assert findings["mailbox-full"]["title"] == "Casella dell'account piena"
    assert "mailbox-full" in findings["test-email-not-received"]["consequence_of"]
    english = cli("check", "--kb", kb, "--fact", "account.quota_full=true", "--lang", "en")
    assert "no space left" in english.out
    preview = cli("rules", "preview", "mailbox-full", "--kb", kb)
    assert preview.code == 0 and "ha esaurito lo spazio" in preview.out
    docs = cli("rules", "docs", "--kb", kb)
    assert '<a id="rule-mailbox-full"></a>' in docs.out and "## Casella dell'account piena" in docs.out


def test_the_guide_shows_the_real_lint_message(cli, guided_kb):
    path = guided_kb / "rules" / "casella.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "{fact: account.quota_full, equals: true}", "{fact: account.quota_ful, equals: true}"), encoding="utf-8")
    shown = re.search(r"```text\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S).group(1)
    run = cli("rules", "lint", str(guided_kb))
    assert run.code == 1
    printed = run.out.replace(str(guided_kb) + "/", "")
    assert shown in printed
