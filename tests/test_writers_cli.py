"""The writers' commands, run for real: lint, test, preview, docs, schema."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from conftest import copy_kb, copy_small_kb

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def kb_copy(tmp_path):
    """A copy of the shipped knowledge base that a test may break."""
    root = tmp_path / "kb"
    copy_kb(root)
    return root


@pytest.fixture
def small_copy(tmp_path):
    """A copy of the small knowledge base (conftest.SMALL_KB), for what a command does with any knowledge
    base (the one it finds from the folder it runs in, a fact under a text fact), not the shipped content."""
    return copy_small_kb(tmp_path / "kb")


def test_shipped_kb_lint_prints_no_problem_at_all(cli):
    """Not even a note: every fact of the shipped catalogue is used by a rule or a template.  The text
    report of the same lint is read from the installed command (test_smoke_process), which lints the
    shipped knowledge base anyway: a lint of it costs two thirds of a second."""
    document = cli("rules", "lint", "--format", "json").json()
    assert document["problems"] == [] and not document["summary"]["failed"]
    assert cli("rules", "lint", "--format", "github").out == ""


def test_lint_text_lines_are_sorted_and_carry_hints(cli, small_copy):
    kb_copy = small_copy
    path = kb_copy / "rules" / "mailbox.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("when: {fact: quota.used, greater_or_equal: 100}",
                        "when: {fact: quota.usde, greater_or_equal: 100}")
    text = text.replace("see_also: [quota-check]", "see_also: [quota-chekc]")
    path.write_text(text, encoding="utf-8")
    facts = kb_copy / "rules" / "facts.yaml"  # found after the rules' problems, in a file sorted before theirs
    facts.write_text(facts.read_text(encoding="utf-8").replace("    sample: 100\n", "    sample: tanto\n"),
                     encoding="utf-8")
    run = cli("rules", "lint", str(kb_copy))
    assert run.code == 1
    lines = [line for line in run.out.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]
    assert lines == sorted(lines, key=lambda line: (line.split(":")[0], int(line.split(":")[1]), int(line.split(":")[2])))
    assert [line.rsplit(" ", 1)[-1] for line in lines] == ["[bad-sample]", "[unknown-fact]", "[unknown-link]"]
    assert any(line.endswith("[unknown-fact]") and "quota.usde" in line for line in lines)
    assert "forse intendevi «quota.used»?" in run.out
    assert "forse intendevi «quota-check»?" in run.out
    github = cli("rules", "lint", str(kb_copy), "--format", "github")
    assert re.search(r"^::error file=[^,]+mailbox\.yaml,line=\d+,col=\d+,title=unknown-link::", github.out, re.M)
    english = cli("rules", "lint", str(kb_copy), "--lang", "en")
    assert "did you mean" in english.out and "rule «mailbox-full» has a «see_also» link" in english.out


def test_lint_unreadable_directory_exits_2(cli, tmp_path):
    run = cli("rules", "lint", str(tmp_path / "nowhere"))
    assert run.code == 2 and "Traceback" not in run.err and "nowhere" in run.err


def test_rules_test_reports_failures_with_line_and_diff(cli, kb_copy):
    path = kb_copy / "rules" / "account.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("""      - name: not blocked
        facts: {account.spam_blocked: false}
        expect: does-not-fire""", """      - name: not blocked
        facts: {account.spam_blocked: false}
        expect: fires""")
    text = text.replace('contains: ["SPAM"]', 'contains: ["SPAM", "testo che non c\'è"]')
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("      - name: not blocked") + 1
    run = cli("rules", "test", str(kb_copy))
    assert run.code == 1
    assert f"rules/account.yaml:{line}:9: FALLITO account-spam-blocked › not blocked" in run.out
    assert "    - atteso: fires\n    + ottenuto: does-not-fire" in run.out
    assert "il testo non contiene «testo che non c'è»" in run.out
    assert "falliti 2" in run.out  # kept going after the first failure
    only = cli("rules", "test", str(kb_copy), "--filter", "mx-invalid", "--format", "json").json()
    assert only["summary"]["failed"] == 0 and {e["rule"] for e in only["examples"]} == {"mx-invalid"}
    assert cli("rules", "test").code == 0


def test_preview_uses_samples_or_given_facts(cli):
    run = cli("rules", "preview", "mx-invalid")
    assert run.code == 0
    assert run.out.startswith("Record MX del dominio non valido")
    assert "example.it. 3600 IN MX 1 mx0.mail.ovh.net." in run.out
    given = cli("rules", "preview", "mx-invalid", "--fact", "domain=esempio.it", "--fact", "dns.mx=mail.esempio.it",
                "--fact", "pop_imap=none", "--format", "json").json()
    assert given["outcome"] == "fires" and "mail.esempio.it" in given["explanation"]
    english = cli("rules", "preview", "srv-invalid", "--lang", "en")
    assert "_autodiscover._tcp" in english.out and "Explanation" in english.out
    unknown = cli("rules", "preview", "mx-invalidd")
    assert unknown.code == 2 and "mx-invalid" in unknown.err


def test_docs_markdown_and_self_contained_html(cli, tmp_path):
    markdown = cli("rules", "docs")
    assert markdown.code == 0
    assert "- provoca: [Email di prova non ricevuta](#rule-test-email-not-received)" in markdown.out
    assert '<a id="rule-test-email-not-received"></a>' in markdown.out
    assert "| 1 | `mx0.mail.ovh.net` | 3600 |" in markdown.out
    out = tmp_path / "guida.html"
    assert cli("rules", "docs", "--format", "html", "--out", str(out)).code == 0
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert not re.search(r"<(link|script|img)\b", html)  # nothing fetched from elsewhere
    for anchor in re.findall(r'href="#([^"]+)"', html):
        assert f'id="{anchor}"' in html
    assert "Knowledge base guide" in cli("rules", "docs", "--lang", "en").out


def test_schema_command_prints_the_shipped_schema(cli):
    rules = cli("rules", "schema").json()
    assert rules == json.loads((REPO / "engine" / "schemas" / "rules.schema.json").read_text(encoding="utf-8"))
    assert cli("rules", "schema", "--kind", "facts").json()["title"] == "Diagnostica fact catalogue"


def test_schema_comments_point_at_schemas_in_repo_and_in_wheel():
    import tomllib

    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    package_dir = {pkg: folder for pkg, folder in project["package-dir"].items()}
    for path in sorted((REPO / "rules").glob("*.yaml")):
        first = path.read_text(encoding="utf-8").splitlines()[0]
        match = re.match(r"# yaml-language-server: \$schema=(\S+)$", first)
        assert match, path.name
        target = match.group(1)
        assert (path.parent / target).resolve().is_file(), target  # in the repository
        # In the wheel rules/ is diagnostica/rules and engine/ is diagnostica/engine.
        parts = Path(target).parts
        assert parts[0] == ".." and package_dir[f"diagnostica.{parts[1]}"] == parts[1]
        assert "schemas/*.json" in project["package-data"][f"diagnostica.{parts[1]}"]


def test_one_broken_template_does_not_stop_the_others(cli, kb_copy):
    broken = kb_copy / "locales" / "it" / "rules" / "mx-invalid.explanation.j2"
    broken.write_text("Record MX {{ facts.domain | nonexistent_filter }}\n{% if %}\n", encoding="utf-8")
    run = cli("check", "--kb", str(kb_copy), "--fact", "dns.mx_valid=false", "--fact", "account.spam_blocked=true")
    assert run.code == 1
    assert "etichetta SPAM" in run.out  # the other rule is rendered in full
    assert "Il testo di questa regola non è stato generato" in run.out
    docs = cli("rules", "docs", "--kb", str(kb_copy))
    assert docs.code == 0 and "etichetta SPAM" in docs.out and "non si genera" in docs.out
    lint = cli("rules", "lint", str(kb_copy), "--format", "json").json()
    assert [(Path(p["file"]).name, p["line"], p["check_id"]) for p in lint["problems"]
            if p["severity"] != "info"] == [("mx-invalid.explanation.j2", 2, "template-syntax")]


def _mark_copy(root, shipped: bool):
    """A copy that differs from the bundled knowledge base in what each writer's command shows: the small
    one, or (``shipped``: for ``preview``, which names a rule the bundled one has as well) the shipped one."""
    if not shipped:
        for name, old, new in (
                ("locales/it/messages.yaml", 'mailbox-full: {title: "Casella piena"}',
                 'mailbox-full: {title: "TITOLO DELLA COPIA"}'),
                ("locales/en/messages.yaml", '  mailbox-full: {title: "Mailbox full"}\n', ""),
                ("rules/mailbox.yaml", "      - name: room left\n", "      - name: COPIA room left\n")):
            text = (root / name).read_text(encoding="utf-8")
            assert text.count(old) == 1, (name, old)
            (root / name).write_text(text.replace(old, new), encoding="utf-8")
        return
    messages = root / "locales" / "it" / "messages.yaml"
    messages.write_text(messages.read_text(encoding="utf-8").replace(
        'mx-invalid: {title: "Record MX del dominio non valido"}', 'mx-invalid: {title: "TITOLO DELLA COPIA"}'),
        encoding="utf-8")
    english = root / "locales" / "en" / "messages.yaml"
    english.write_text(english.read_text(encoding="utf-8").replace(
        '  mx-invalid: {title: "Invalid MX record for the domain"}\n', ""), encoding="utf-8")
    rules = root / "rules" / "dns.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace(
        "      - name: default zone is fine\n", "      - name: COPIA default zone is fine\n"), encoding="utf-8")


@pytest.mark.parametrize("argv, inside", [
    (("rules", "lint"), "[locale-missing-text]"),
    (("rules", "test", "--filter", "COPIA", "--format", "json"), "COPIA room left"),
    (("rules", "preview", "mx-invalid"), "TITOLO DELLA COPIA"),
    (("rules", "docs"), "TITOLO DELLA COPIA"),
])
def test_writers_commands_without_dir_use_the_kb_they_are_run_in(cli, tmp_path, argv, inside):
    shipped = argv[1] == "preview"
    kb_copy = (copy_kb if shipped else copy_small_kb)(tmp_path / "kb")
    _mark_copy(kb_copy, shipped)
    for where in (kb_copy, kb_copy / "locales" / "it"):  # the folder itself, or one inside it
        run = cli(*argv, cwd=where)
        assert inside in run.out, run.out + run.err
        assert run.err.count("\n") == 1 and f"uso la base di conoscenza {kb_copy}," in run.err
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    run = cli(*argv, cwd=outside)
    assert inside not in run.out and run.err == ""  # the bundled knowledge base, silently, as before


def test_the_kb_used_is_said_in_the_chosen_language(cli, small_copy):
    kb_copy = small_copy
    run = cli("rules", "lint", "--lang", "en", cwd=kb_copy)
    assert run.err == f"diagnostica: using the knowledge base {kb_copy}, found from the folder you are in " \
                      "(to use another, name its folder)\n"
    assert cli("rules", "lint", str(kb_copy), cwd=kb_copy).err == ""  # a folder named: nothing to say


@pytest.mark.parametrize("argv, code, lang, words", [
    (("rules", "lint"), 1, "it", "«domain» è un testo: non può avere sotto-fatti come «domain.expired»"),
    (("rules", "lint", "--lang", "en"), 1, "en", '"domain" is a text: it cannot have sub-facts such as "domain.expired"'),
    (("rules", "preview", "mailbox-full"), 2, "it",
     "«domain» è un testo: non può avere sotto-fatti come «domain.expired»"),
    (("rules", "preview", "mailbox-full", "--lang", "en"), 2, "en", '"domain" is a text: it cannot have sub-facts'),
    (("rules", "test"), 2, "it", "per esempio, «domain_expired»"),
    (("check", "--kb", ".", "--fact", "domain=example.it"), 2, "it", "non può avere sotto-fatti"),
])
def test_a_fact_under_a_text_fact_is_one_clear_error(cli, small_copy, argv, code, lang, words):
    """Writers add ``domain.expired`` beside the text ``domain``: never a TypeError (exit 3)."""
    kb_copy = small_copy
    facts = kb_copy / "rules" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").rstrip("\n") + "\n  domain.expired:\n    type: bool\n"
                     "    description: The domain has expired.\n    sample: false\n", encoding="utf-8")
    line = facts.read_text(encoding="utf-8").splitlines().index("  domain.expired:") + 1
    run = cli(*argv, cwd=kb_copy)
    assert run.code == code, run.out + run.err
    told = run.out + run.err
    assert words in told and f"rules/facts.yaml:{line}:3: " in told and "Traceback" not in told
    assert told.count("sotto-fatti") + told.count("sub-facts") == 1, told  # one error, said once
