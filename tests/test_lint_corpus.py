"""Each broken knowledge base of tests/lint_corpus is reported at the exact file:line with its check id."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "lint_corpus"
CASES = sorted(p.stem for p in CORPUS.glob("*.yaml"))


def build(tmp_path: Path, case: str | None) -> Path:
    """A copy of the clean base with the case's edits applied."""
    root = tmp_path / "kb"
    shutil.copytree(CORPUS / "_base", root)
    if case is None:
        return root
    spec = yaml.safe_load((CORPUS / f"{case}.yaml").read_text(encoding="utf-8"))
    for name, edits in (spec.get("edit") or {}).items():
        path = root / name
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, f"{case}: {old!r} must occur once in {name}"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    for name, text in (spec.get("add") or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    for name in spec.get("delete") or ():
        (root / name).unlink()
    return root


def reported(cli, root: Path) -> tuple[list[tuple[str, int, str]], dict, int]:
    run = cli("rules", "lint", str(root), "--format", "json")
    assert run.code in (0, 1), run.err
    document = run.json()
    found = [(str(Path(p["file"]).relative_to(root)), p["line"], p["check_id"]) for p in document["problems"]]
    return found, document, run.code


def test_the_base_is_clean(cli, tmp_path):
    root = build(tmp_path, None)
    found, document, code = reported(cli, root)
    assert found == [] and code == 0
    assert cli("rules", "test", str(root)).code == 0


@pytest.mark.parametrize("case", CASES)
def test_case_reports_exact_line_and_check(cli, tmp_path, case):
    spec = yaml.safe_load((CORPUS / f"{case}.yaml").read_text(encoding="utf-8"))
    root = build(tmp_path, case)
    found, document, code = reported(cli, root)
    assert found == [tuple(e) for e in spec["expect"]]
    said = "\n".join(f"{p['message']} {p['hint'] or ''}" for p in document["problems"])
    for fragment in spec.get("says") or ():
        assert fragment in said
    failing = any(p["severity"] in ("error", "warning") for p in document["problems"])
    assert code == (1 if failing else 0)


def test_links_into_a_file_that_is_not_utf8_are_not_errors(cli, tmp_path):
    """An unreadable file is reported once; links to the rule ids its raw text shows are left alone."""
    root = build(tmp_path, "link_into_broken_yaml")
    mailbox = root / "rules" / "mailbox.yaml"
    mailbox.write_bytes((CORPUS / "_base" / "rules" / "mailbox.yaml").read_bytes().replace(
        b"# yaml-language-server", b"\xe8 yaml-language-server"))
    found, document, code = reported(cli, root)
    assert found == [("rules/mailbox.yaml", 1, "unreadable-file"), ("rules/zz_more.yaml", 9, "unknown-link")]
    assert code == 1


@pytest.mark.parametrize("old, new, words", [
    ("    severity: error\n", "    severty: error\n", ["«severty» non previsto", "forse intendevi «severity»?"]),
    ("    severity: error\n", "    severity: critical\n", ["«critical» non ammesso"]),
    ("    kind: derive\n", "    kind: derivee\n", ["«derivee» non ammesso", "forse intendevi «derive»?"]),
    ("contains: [\"piena\"]", "contains: piena", ["«piena» non è del tipo atteso (elenco)"]),
    ("  - id: mailbox-full\n", "  - id: Mailbox_Full\n", ["«Mailbox_Full» non è un id valido"]),
])
def test_check_and_lint_tell_a_schema_mistake_the_same_way(cli, tmp_path, old, new, words):
    root = build(tmp_path, None)
    mailbox = root / "rules" / "mailbox.yaml"
    mailbox.write_text(mailbox.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    lint = [p for p in cli("rules", "lint", str(root), "--format", "json").json()["problems"]
            if p["check_id"] == "schema"]
    assert len(lint) == 1
    problem = lint[0]
    check = cli("check", "--kb", str(root), "--fact", "offer=hosted")
    assert check.code == 2
    told = f"{problem['file']}:{problem['line']}:{problem['column']}: {problem['message']}"
    assert told in check.err
    if problem["hint"]:
        assert f"({problem['hint']})" in check.err
    for fragment in words:
        assert fragment in problem["message"] + " " + (problem["hint"] or "")


@pytest.mark.parametrize("source, name", [
    ("{{ not_a_var }}", "not_a_var"),
    ("{{ not_a_var.field }}", "not_a_var"),
    ("{{ facts.domian }}", "domian"),
    ("{{ facts['dns.mx'] }}", "dns.mx"),
    ("{{ facts.dns.mx }}", "mx"),
    ("{{ items[3] }}", "3"),
])
def test_the_undefined_name_is_read_from_either_of_jinjas_phrasings(source, name):
    import jinja2
    from diagnostica.engine.lint.templates import undefined_name

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError) as caught:
        env.from_string(source).render(facts={"dns": {}}, items=[1])
    assert undefined_name(str(caught.value)) == name


@pytest.mark.parametrize("case, keyword, italian, english", [
    ("unknown_fact", "error", "errore", "error"),
    ("yaml11_boolean", "warning", "avviso", "warning"),
    ("unused_fact", "info", "nota", "note"),
])
def test_text_output_shows_the_severity_in_the_readers_language(cli, tmp_path, case, keyword, italian, english):
    """Text: the locale's word; JSON and GitHub keep the machine-readable keyword and check id."""
    root = build(tmp_path, case)
    found, document, _ = reported(cli, root)
    assert [p["severity"] for p in document["problems"]] == [keyword]
    check_id = found[0][2]
    for lang, word in (("it", italian), ("en", english)):
        lines = [line for line in cli("rules", "lint", str(root), "--lang", lang).out.splitlines()
                 if line.endswith(f"[{check_id}]")]
        assert len(lines) == 1 and f": {word}: " in lines[0], lines
    github = cli("rules", "lint", str(root), "--format", "github").out
    assert github.startswith({"error": "::error ", "warning": "::warning ", "info": "::notice "}[keyword])


@pytest.mark.parametrize("condition", [
    "{all: []}", "{any: {fact: offer, exists: true}}", "{fact: offer}", "{fact: offer, equals: hosted, in: [hosted]}",
    "{fact: Offer, equals: hosted}", "{alll: [{fact: offer, exists: true}]}", "[{fact: offer, exists: true}]",
    "{fact: offer, equal: hosted}", "{not: [{fact: offer, exists: true}]}", "{fact: offer, exists: maybe}",
    "{fact: quota.used, greater_or_equal: lots}", "{fact: domain, matches: '^(a+)+$'}",
])
def test_check_and_lint_report_the_same_problems_of_a_condition(cli, tmp_path, condition):
    """One pass behind both: every problem lint reports from the loader is in check's error, word for word."""
    root = build(tmp_path, None)
    mailbox = root / "rules" / "mailbox.yaml"
    mailbox.write_text(mailbox.read_text(encoding="utf-8").replace(
        "{fact: quota.used, greater_or_equal: 100}", condition), encoding="utf-8")
    problems = [p for p in cli("rules", "lint", str(root), "--format", "json").json()["problems"]
                if p["severity"] == "error"]
    check = cli("check", "--kb", str(root), "--fact", "offer=hosted")
    assert check.code == 2 and problems
    assert len(check.err.splitlines()) == len(problems)
    for problem in problems:
        told = f"{problem['file']}:{problem['line']}:{problem['column']}: {problem['message']}"
        assert told + (f" ({problem['hint']})" if problem["hint"] else "") in check.err
