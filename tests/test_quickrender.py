"""quickrender evaluates plain templates without compiling them: its text must be Jinja's, or it must step aside."""
from __future__ import annotations

import pytest

from diagnostica.engine.present import quickrender
from diagnostica.engine.lint.examples import derive, example_facts, sample_facts
from diagnostica.engine.present.render import Renderer
from diagnostica.engine.kb.yamlload import load_yaml


def _env(kb):
    return Renderer(kb, "it").env("it")


def _jinja(env, source, context):
    try:
        return env.from_string(source).render(context)
    except Exception as exc:  # noqa: BLE001 - any failure: quickrender must not claim a text
        return exc


def _quick(env, source, context):
    tree = env.parse(source)
    if not quickrender.plain(tree):
        return None
    try:
        return quickrender.render(tree, context)
    except quickrender.NotPlain:
        return None


def _contexts(kb, renderer, rule):
    yield renderer.context(sample_facts(kb), rule.id)
    yield renderer.context({}, rule.id)
    for example in rule.examples:
        yield renderer.context(derive(kb, example_facts(kb, example)), rule.id)


@pytest.mark.parametrize("lang", ["it", "en"])
def test_every_shipped_template_renders_as_jinja_renders_it(kb, lang):
    renderer = Renderer(kb, lang)
    env = renderer.env(lang)
    folder = kb.directory.locale(lang) / "rules"
    quick_count = 0
    for rule in kb.by_id.values():
        for name in filter(None, (rule.explanation, rule.remediation)):
            source = (folder / name).read_text(encoding="utf-8")
            for context in _contexts(kb, renderer, rule):
                quick = _quick(env, source, context)
                if quick is not None:
                    quick_count += 1
                    assert quick == _jinja(env, source, context), (name, context)
    assert quick_count > 0  # the shipped templates do use the plain subset


CONTEXT = {
    "facts": {"account": {"state": "ok", "suspended": False, "quota": 3, "items": "x"},
              "dns": {"mx": [{"host": "a", "priority": 1}]}, "empty": {}},
    "data": load_yaml("records:\n  mx: {host: mx1.example.}\n", "data.yaml").data,
    "lang": "it", "rule": {"id": "r", "severity": "error"},
}

SAME_AS_JINJA = [
    "plain text\n",
    "{{ facts.account.state }} / {{ facts.account.quota }} / {{ facts.account.suspended }}",
    "{% if facts.account is defined and facts.account.suspended is defined %}A{% else %}B{% endif %}",
    "{% if facts.nope is defined %}A{% elif facts.account.quota > 2 %}B{% else %}C{% endif %}",
    "{% if facts.nope is undefined or facts.nope.deeper %}A{% endif %}",
    "{% if not facts.account.suspended %}on{% endif %}{{ facts.account.state == 'ok' }}",
    "{{ facts['account']['state'] }} {{ facts.empty }} {{ data.records.mx.host }} {{ rule.id }} {{ lang }}",
    "{{ facts.account.suspended or facts.account.state }} {{ facts.account.quota and 'x' }}",
    "{% if 1 < facts.account.quota <= 3 %}in{% endif %}{% if 'ok' in facts.account.state %}!{% endif %}",
    "  {%- if facts.account -%}\n   trimmed\n  {% endif %}\nend\n",
    "{{ facts.dns.mx }}",
]

LEFT_TO_JINJA = [
    "{{ facts.nope }}",  # undefined in the output: Jinja reports it
    "{% if facts.nope %}x{% endif %}",  # an undefined value's truth
    "{{ facts.nope.deeper is defined }}",  # attribute of an undefined value
    "{{ facts.account.items }}",  # a dict method, not the key
    "{{ facts.dns.mx.host }}",  # attribute of a list
    "{% if facts.account.quota < 'a' %}x{% endif %}",  # Python refuses the comparison
    "{{ range }}",  # a global
    "{% if facts.account %}x{% else %}{{ facts.account.state | nofilter }}{% endif %}",  # cannot compile
    "{% for r in facts.dns.mx %}{{ r.host }}{% endfor %}",
    "{{ facts.account.state | upper }}",
    "{% set x = 1 %}{{ x }}",
    "{{ facts.account.state ~ '!' }}",
    "{% if facts.account is string %}x{% endif %}",
]


@pytest.mark.parametrize("source", SAME_AS_JINJA)
def test_plain_templates_render_exactly_as_jinja(kb, source):
    env = _env(kb)
    quick = _quick(env, source, CONTEXT)
    assert quick is not None
    assert quick == _jinja(env, source, CONTEXT)


@pytest.mark.parametrize("source", LEFT_TO_JINJA)
def test_anything_else_is_left_to_jinja(kb, source):
    assert _quick(_env(kb), source, CONTEXT) is None


def test_nesting_beyond_what_python_compiles_is_left_to_jinja(kb):
    deep = "{% if true %}" * (quickrender.MAX_DEPTH + 1) + "x" + "{% endif %}" * (quickrender.MAX_DEPTH + 1)
    assert _quick(_env(kb), deep, CONTEXT) is None


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_quick_renderer_gives_every_rule_text_as_the_normal_one(kb, lang):
    normal, quick = Renderer(kb, lang), Renderer(kb, lang, quick=True)
    for rule in kb.by_id.values():
        for facts in (sample_facts(kb), {}, *(derive(kb, example_facts(kb, e)) for e in rule.examples)):
            assert quick.rule_text(rule.id, facts) == normal.rule_text(rule.id, facts)
