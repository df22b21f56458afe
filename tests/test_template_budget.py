"""Templates run on a budget: a loop that would never end, or text that would fill the memory, stops the
render (the finding says its text was not generated) and `rules lint` reports the template, never a hang."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from diagnostica.engine.present.sandbox import MAX_SIZE, MAX_STEPS, BudgetedEnvironment, TemplateBudgetExceeded

from test_lint_corpus import build

NESTED = "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% endfor %}{% endfor %}"

# Each template would run for minutes or allocate gigabytes without the budget.
HOSTILE = [
    ("steps", NESTED),
    ("steps", "{% set r = range(100000) %}{% for i in r %}{% for j in r if false %}{% endfor %}{% endfor %}"),
    ("steps", "{% set r = range(100000) %}{% for x in r recursive %}{% if loop.depth == 1 %}{{ loop(r) }}"
              "{% endif %}{% endfor %}"),
    ("size", "{{ 'x' * 10 ** 9 }}"),
    ("size", "{{ 9 ** 999999 }}"),
    ("size", "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"),
    ("size", "{% set ns = namespace(s='ab') %}{% for i in range(60) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"),
    ("size", "{{ 'x'|center(1000000000) }}"),
    ("size", "{{ 'x'.ljust(1000000000) }}"),
    ("size", "{{ '%1000000000s' % 'x' }}"),
    ("size", "{{ '%1000000000s'|format('x') }}"),
    ("size", "{{ '{:>1000000000}'.format('x') }}"),
    ("size", "{% set l = [] %}{% set big = 'x' * 900000 %}{% for i in range(1000) %}{% set _ = l.append(big) %}"
             "{% endfor %}{{ l|join }}"),
    ("size", "{% set s = 'x' * 100000 %}{{ s|replace('', s) }}"),
    ("size", "{% set big = 'x' * 900000 %}{% for i in range(100000) %}{{ big }}{% endfor %}"),
]


@pytest.mark.parametrize("what, source", HOSTILE)
def test_a_hostile_template_stops_on_its_budget(what, source):
    with pytest.raises(TemplateBudgetExceeded) as stopped:
        BudgetedEnvironment().from_string(source).render()
    assert (stopped.value.what, stopped.value.limit) == (what, MAX_STEPS if what == "steps" else MAX_SIZE)


@pytest.mark.parametrize("source, expected", [
    ("{% for x in [1, 2, 3] %}{{ x }}{% if loop.last %}.{% endif %}{% endfor %}", "123."),
    ("{% for x in [[1, [2]], 3] recursive %}{% if x is iterable %}{{ loop(x) }}{% else %}{{ x }}{% endif %}"
     "{% endfor %}", "123"),
    ("{% for i in range(4) %}{{ loop.cycle('a', 'b') }}{{ loop.length }}{% endfor %}", "a4b4a4b4"),
    ("{{ 'a' ~ 'b' }} {{ 3 * 2 }} {{ 2 ** 10 }} {{ '%05d' % 42 }} {{ '{}'.format(123456789) }}",
     "ab 6 1024 00042 123456789"),
    ("{{ [1, 2]|join(',') }} {{ 'abc'|replace('b', 'x') }} {{ 'x'|center(5) }}|", "1,2 axc   x  |"),
    ("{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}in{% endcall %}", "[in]"),
])
def test_ordinary_templates_render_as_jinja_renders_them(source, expected):
    assert BudgetedEnvironment().from_string(source).render() == expected


def test_each_render_has_its_own_budget():
    template = BudgetedEnvironment().from_string(f"{{% for i in range({MAX_STEPS // 2}) %}}{{% endfor %}}ok")
    assert [template.render() for _ in range(3)] == ["ok"] * 3


def _loop(root):
    path = root / "locales" / "it" / "rules" / "mailbox-full.explanation.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + NESTED, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang, words", [("it", "passi"), ("en", "steps")])
def test_lint_reports_a_template_that_loops(tmp_path, cli, lang, words):
    root = build(tmp_path, None)
    _loop(root)
    run = cli("rules", "lint", str(root), "--format", "json", "--lang", lang)
    found = {(p["file"].rpartition("/")[2], p["check_id"]) for p in run.json()["problems"] if p["severity"] == "error"}
    messages = " ".join(p["message"] for p in run.json()["problems"] if p["check_id"] == "template-budget")
    assert (run.code, found, words in messages) == (1, {("mailbox-full.explanation.j2", "template-budget")}, True)


def test_check_says_the_text_was_not_generated_and_goes_on(tmp_path, cli):
    root = Path(__file__).resolve().parent.parent
    kb = tmp_path / "kb"
    for folder in ("rules", "locales"):
        shutil.copytree(root / folder, kb / folder)
    path = kb / "locales" / "it" / "rules" / "mx-invalid.explanation.j2"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + NESTED, encoding="utf-8")
    run = cli("check", str(root / "examples" / "mx-foreign.yaml"), "--kb", str(kb), "--no-cache", "--format", "json")
    finding = next(f for f in run.json()["findings"] if f["id"] == "mx-invalid")
    assert (run.code, "non è stato generato" in finding["explanation"], "passi" in finding["explanation"],
            bool(finding["remediation"]), "100.000" in finding["template_errors"][0]) == (1, True, True, True, True)
