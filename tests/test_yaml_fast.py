"""libyaml's fast path gives exactly what the pure-Python reference path gives: values, marks, YAML 1.1
words, and the same error for every document it does not take (issue 10: light loads)."""
from __future__ import annotations

import functools
from pathlib import Path

import pytest
from diagnostica.engine.errors import YamlError
from diagnostica.engine.kb import yamlload
from diagnostica.engine.kb.yamlload import Map, Seq, Text, load_yaml

from tests.test_writers_yaml_errors import CASES as WRITERS_CASES

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p for folder in ("rules", "locales", "examples") for p in (REPO / folder).rglob("*.yaml"))
needs_libyaml = pytest.mark.skipif(yamlload._FastLoader is None, reason="PyYAML built without libyaml")

DEEP = "a: " + "[" * 120 + "]" * 120 + "\n"
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(6))
TRICKY = [
    "a: 1\nb: -0\nc: +5\nd: 0012\nf: 1_000\ng: 0x1F\nh: 12:30:00\n",
    "e: 09\n",
    "a: 1.5\nb: .inf\nc: -.INF\nd: .nan\ne: 1e3\nf: 1.\ng: .5\n",
    "a: yes\nb: No\nc: 'on'\nd: \"off\"\ne: y\nf: [n, N, Y]\nyes: 1\n",
    "a: true\nb: False\nc: TRUE\nd: ~\ne: null\nf:\ng: ''\n",
    "a: !!bool yes\nb: !!str 12\nc: !!int '7'\nd: !!float '2'\ne: !!null x\n",
    "f: !!int x\n",
    "a: 2026-11-27\nb: 2026-11-27 16:42:00\nd: !!binary aGVsbG8=\n",
    "c: !!timestamp 2026-13-45\n",
    "e: !!binary '%%'\n",
    "a: &x {k: v, n: [1, 2]}\nb: *x\nc: [*x, *x]\n",
    "a: &x yes\nb: *x\nc: [*x]\n",
    "base: &b {x: 1, y: 2}\nderived:\n  <<: *b\n  y: 3\n",
    "a: &x [1, *x]\n",
    "a: &x 1\nb: &x 2\n",
    "a: 1\na: 2\n",
    "rules:\n  - id: x\n    id: y\n",
    "? [1, 2]\n: v\n",
    "? {a: 1}\n: v\n",
    "1: one\ntrue: yes\n1.5: x\n~: n\n",
    "a: !!set {x, y}\n",
    "a: !!omap [x: 1]\n",
    "!!map {a: 1}\n",
    "!!seq [1, 2]\n",
    "!mine {a: 1}\n",
    "",
    "# only a comment\n",
    "---\n",
    "--- 5\n",
    "a: 1\n---\nb: 2\n",
    "- a\n- - b\n  - c\n- {d: e}\n",
    "a: |\n  block\n  text\nb: >\n  folded\n  text\n",
    "x: \"caf\\u00e8\"\ny: 'l''account'\n",
    "a: " + "9" * 4001 + "\n",
    "a: " + "9" * 4000 + "\n",
    DEEP,
    "a: " + "[" * 98 + "]" * 98 + "\n",
    "a: " + "[" * 99 + "]" * 99 + "\n",
    LAUGHS,
    "a: [" + ", ".join(["x"] * 300) + "]\n",
    # the same plain words again and again (the fast path remembers their values, never a YAML 1.1 word's mark)
    "a: [yes, yes, 1, 1, ~, ~, true, true, x, x, 0012, 0012, 1.5, 1.5]\nb: {x: yes, y: 1, 'z': x, n: ~}\nyes: 1\n",
    *(text for text, *_ in WRITERS_CASES),
]


def outcome(text: str, fast: bool, max_nodes: int = yamlload.MAX_EXPANDED_NODES):
    """What a read gives, in comparable form: the data with every mark, and the YAML 1.1 words; or the error."""
    try:
        loaded = load_yaml(text, "f.yaml", fast=fast, max_nodes=max_nodes)
    except YamlError as exc:
        return ("error", type(exc).__name__, exc.code, str(exc.location), sorted(exc.params.items()))
    return ("data", marked(loaded.data), [(str(t), t.line, t.column) for t in loaded.yaml11_booleans])


def marked(value):
    if isinstance(value, Map):
        return ("map", value.line, value.column, [(marked(k), value.key_marks[k], marked(v)) for k, v in value.items()])
    if isinstance(value, Seq):
        return ("seq", value.line, value.column, list(zip(value.item_marks, map(marked, value))))
    if isinstance(value, Text):
        return ("text", str(value), value.line, value.column)
    return (type(value).__name__, repr(value))


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_files_read_alike(path):
    text = path.read_text(encoding="utf-8")
    assert outcome(text, fast=True) == outcome(text, fast=False)


@needs_libyaml
@pytest.mark.parametrize("path", SHIPPED[:3] + [p for p in SHIPPED if p.name == "facts.yaml"][:1],
                         ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_files_take_the_fast_path(path):
    # The comparison above would pass with a fast path that always gave up: it must not give up on these.
    text = path.read_text(encoding="utf-8")
    loaded = yamlload._load_fast(yamlload._FastLoader, text, "f.yaml", yamlload.MAX_EXPANDED_NODES)
    assert marked(loaded.data) == marked(load_yaml(text, "f.yaml").data)


@pytest.mark.parametrize("text", TRICKY, ids=range(len(TRICKY)))
def test_tricky_and_hostile_documents_read_alike(text):
    assert outcome(text, fast=True) == outcome(text, fast=False)


@pytest.mark.parametrize("max_nodes", [1, 5, 10, 11, 12, 40, 110, 111])
def test_the_size_bound_is_the_same(max_nodes):
    text = "a: &a [x, y, z]\nb: [*a, *a, *a]\nc: {k: *a}\n"
    assert outcome(text, True, max_nodes) == outcome(text, False, max_nodes)


def test_deep_nesting_is_refused_on_both_paths():
    kind, _, code, *_ = outcome(DEEP, fast=True)
    assert (kind, code) == ("error", "yaml_too_deep")


#: The campaign's YAML slips in a few tests, not one each: generated when the first of them runs, not while
#: every worker collects the suite; a failure names each mutation that reads otherwise.
CHUNKS = 4


@functools.lru_cache(maxsize=1)
def _mutated_yaml():
    from tests import kbmutations

    return tuple(m for m in kbmutations.mutations(400, seed=23) if m.file.endswith(".yaml") and m.text is not None)


def reads_alike(text: str, monkeypatch) -> tuple[bool, bool]:
    """(``outcome(text, fast=True) == outcome(text, fast=False)``, whether the fast path answered), with the
    pure-Python reference read once: where the fast path gives up, ``load_yaml(fast=True)`` returns what its
    call of the reference path (``_load``) gives, so a second read would compare ``_load`` with itself on the
    same text -- two thirds of this campaign's CPU went to reading a quarter of its files twice that way."""
    calls = []
    real = yamlload._load

    def reference(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(yamlload, "_load", reference)
        fast = outcome(text, fast=True)
    if calls:  # the reference's own read, on this text, as fast=False reads it
        assert calls == [(yamlload._Loader, text, "f.yaml", yamlload.MAX_EXPANDED_NODES)]
        return True, False
    return fast == outcome(text, fast=False), True


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_every_slip_of_the_kb_mutation_campaign_reads_alike(chunk, monkeypatch):
    mine = _mutated_yaml()[chunk::CHUNKS]
    checked = [(m, *reads_alike(m.text, monkeypatch)) for m in mine]
    differ = [str(m) for m, alike, _ in checked if not alike]
    answered = sum(fast for *_, fast in checked)  # the fast path's own answers, each against a reference read
    assert (differ, len(mine) > 50, answered > len(mine) // 2) == ([], True, True)
