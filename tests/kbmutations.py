"""Generated mutations of a knowledge base: the slips a writer can make, one at a time.

Each mutation changes one file of a copy of the knowledge base (or deletes it) the way a person
editing it by hand could: a key renamed or deleted, a line re-indented or doubled, a value of
another type, a template broken, a fact added under a fact that already holds a value
(``domain.expired`` beside the string fact ``domain``).  They are generated from a seed, so a
run is repeatable, and :func:`run` puts each through ``rules lint``, ``rules test`` and
``check`` in this process, as ``tests/test_kb_mutations.py`` (a sample) and
``benchmarks/kb_mutations.py`` (a thousand and more) do.  A writer must never see exit 3.
"""
from __future__ import annotations

import copy
import functools
import itertools
import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import yaml

REPO = Path(__file__).resolve().parent.parent

KEY_LINE = re.compile(r"^(?P<indent>[ ]*(?:-[ ]+)?)(?P<key>[A-Za-z_][\w.-]*)(?P<colon>[ ]*:)(?P<rest>.*)$")
#: Values of other types than the one expected, as a writer could type them.
RETYPES = ("[]", "{}", "42", "-1", "1.5", "true", "false", "null", "~", '""', "[a, b]", "{a: 1}", "- x",
           "yes", "no", "'text'", "[[1]]", "{fact: x}", "9" * 50, "!!int x", "!!timestamp 2026-13-45", "&a x",
           "*nope", "|\n  block text", ">-", "{{ facts.domain }}")
#: Lines a slip can leave in a YAML file.
YAML_GARBAGE = (": :", "- [", '"unterminated', "key: 'open", "&anchor", "*alias", "<<: *x", "? [complex]",
                "!!python/object:os.system x", "\t: tab", "%YAML 1.1", "---", "...", "@at: 1", "`tick: 1",
                "key: value: more", "- - -", "{", "}", "[", "]", ",", "#", "\x07bell: 1")
#: What a slip in a template can look like.
TEMPLATE_GARBAGE = ("{% if facts.domain %}", "{% endif %}", "{% endfor %}", "{{ facts.nope.deeper }}",
                    "{{ facts.domain | nofilter }}", "{% include 'missing.j2' %}", "{% include '../../x.j2' %}",
                    "{{ 1 / 0 }}", "{{ facts.dns.mx[99] }}", "{% for x in facts.domain %}{{ x.y.z }}{% endfor %}",
                    "{% extends 'nope.j2' %}", "{{ }}", "{{ facts.domain", "{% iff x %}", "{# open comment",
                    "{% set x = %}", "{{ facts.domain ! 1 }}", "{{ 'a' ~ }}", "{% macro m() %}",
                    "{{ facts.account.email }}", "{% if facts.x.y is definedd %}{% endif %}", "{{ rule.nope }}",
                    "{{ data.nope.nope }}", "{% raw %}", "{{ facts.domain.__class__ }}", "{{ lipsum(1) }}",
                    "{{ range(3) | join(',') }}", "{{ facts | tojson }}", "{{ none.x }}", "{% break %}")


@dataclass(frozen=True)
class Mutation:
    """One change to one file: its new text, or None to delete the file."""

    kind: str
    file: str  # relative to the knowledge base's root
    line: int  # 1-based line it changes (0: the whole file)
    text: str | None

    def __str__(self) -> str:
        return f"{self.kind} {self.file}:{self.line}"


def kb_files(root: Path = REPO) -> dict[str, str]:
    """Every file a writer edits: rules/**/*.yaml, locales/**/*.yaml and *.j2 (relative path -> text)."""
    found = {}
    for part in ("rules", "locales"):
        for path in sorted((root / part).rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".j2"):
                found[str(path.relative_to(root))] = path.read_text(encoding="utf-8")
    return found


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _rename(rng: random.Random, key: str) -> str:
    choices = [key[:-1] or "x", key + "x", key.upper(), key.replace("_", "-"), key.replace(".", "_"),
               key[1:] or "y", "".join(reversed(key[:2])) + key[2:], key + "." + key, "on", "no"]
    return rng.choice([c for c in choices if c != key] or ["renamed"])


@functools.lru_cache(maxsize=None)
def _line_kinds(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The indexes of a text's ``key:`` lines and of its lines with content (neither comment nor blank).
    Found once per text: a campaign draws from the same few files hundreds of times."""
    lines = _lines(text)
    return (tuple(i for i, line in enumerate(lines) if KEY_LINE.match(line)),
            tuple(i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")))


def _mutate_yaml(rng: random.Random, file: str, text: str, files: dict[str, str]) -> Mutation:
    lines = _lines(text)
    keyed, filled = _line_kinds(text)
    kind = rng.choice(("rename-key", "delete-line", "reindent", "retype", "duplicate-line", "garbage",
                       "rename-key", "retype", "reindent", "delete-block", "empty-file", "child-fact"))
    if kind == "child-fact" and not file.endswith("facts.yaml"):
        kind = "retype"
    if kind in ("rename-key", "retype") and not keyed or not filled:
        kind = "garbage"
    index = rng.choice(keyed if kind in ("rename-key", "retype") else filled or [0])
    line = lines[index] if index < len(lines) else ""
    match = KEY_LINE.match(line)
    if kind == "rename-key" and match:
        lines[index] = f"{match['indent']}{_rename(rng, match['key'])}{match['colon']}{match['rest']}"
    elif kind == "retype" and match:
        value = rng.choice(RETYPES).replace("\n", "\n" + " " * (len(match["indent"]) + 2))
        lines[index] = f"{match['indent']}{match['key']}{match['colon']} {value}"
    elif kind == "delete-line":
        del lines[index]
    elif kind == "delete-block":  # the line and every line indented deeper after it
        indent = len(line) - len(line.lstrip(" "))
        end = index + 1
        while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip(" ")) > indent):
            end += 1
        del lines[index:end]
    elif kind == "reindent":
        spaces = len(line) - len(line.lstrip(" "))
        delta = rng.choice((-3, -2, -1, 1, 2, 3, 4))
        lead = "\t" if rng.random() < 0.1 else " " * max(0, spaces + delta)
        lines[index] = lead + line.lstrip(" ")
    elif kind == "duplicate-line":
        lines.insert(index, line)
    elif kind == "empty-file":
        return Mutation(kind, file, 0, rng.choice(("", "[]", "null", "42", "rules:", "facts:", "- a\n", "{}")))
    elif kind == "child-fact":
        scalars = [m.group(1) for m in re.finditer(r"^  ([a-z_][\w.]*):\n    type: (?:string|bool|enum|integer)",
                                                      text, re.M)]
        parent = rng.choice(scalars) if scalars else "domain"
        child = rng.choice(("expired", "sub", "x.y"))
        block = f"  {parent}.{child}:\n    type: {rng.choice(('bool', 'string', 'integer'))}\n" \
                f"    description: A child of a fact that holds a value.\n"
        lines.insert(len(lines) - 1 if lines[-1] == "" else len(lines), block.rstrip("\n"))
        index = len(lines) - 1
    else:  # garbage
        lines.insert(index, " " * rng.choice((0, 2, 4, 6)) + rng.choice(YAML_GARBAGE))
    return Mutation(kind, file, index + 1, "\n".join(lines))


def _mutate_template(rng: random.Random, file: str, text: str) -> Mutation:
    lines = _lines(text)
    kind = rng.choice(("insert", "insert", "cut", "delete-line", "swap-name", "empty-file"))
    index = rng.randrange(len(lines))
    if kind == "insert":
        lines.insert(index, rng.choice(TEMPLATE_GARBAGE))
    elif kind == "cut":  # a closing or opening marker lost
        marks = [(i, m.start(), m.group()) for i, line in enumerate(lines)
                 for m in re.finditer(r"%}|}}|\{%|\{\{|\)|\(|'", line)]
        if marks:
            index, start, mark = rng.choice(marks)
            lines[index] = lines[index][:start] + lines[index][start + len(mark):]
        else:
            lines.insert(index, "{% if x %}")
    elif kind == "swap-name":
        names = [(i, m) for i, line in enumerate(lines) for m in re.finditer(r"facts\.([a-z_]+)", line)]
        if names:
            index, m = rng.choice(names)
            lines[index] = lines[index][:m.start(1)] + _rename(rng, m.group(1)) + lines[index][m.end(1):]
        else:
            lines.insert(index, "{{ facts.nope }}")
    elif kind == "delete-line":
        del lines[index]
    else:
        return Mutation(kind, file, 0, "")
    return Mutation(f"template-{kind}", file, index + 1, "\n".join(lines))


#: Values of every YAML type, to put where a key's value was ("retype each key").
VALUES = ([], {}, 0, -1, 10 ** 30, 1.5, True, False, None, "", "text", "no", ["a"], {"a": 1}, [[]], [{}],
          {"fact": "x"}, {"all": []}, "x.j2", "../x.j2", "a" * 300, [1, "a", None], {"equals": True})


def _plain(value):
    """The loader's positioned records as plain dicts, lists and strings (for the YAML dumper)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return str(value) if isinstance(value, str) else value


def _paths(node, path=()):
    """Every (path, value) in a document, the root excluded."""
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, child in items:
        yield path + (key,), child
        yield from _paths(child, path + (key,))


#: libyaml's emitter where PyYAML has it: the same text, several times faster than the Python one.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: Every kind of mutation the generator makes (``empty-file`` is a YAML or a template file emptied).
KINDS = ("rename-key", "delete-line", "reindent", "retype", "duplicate-line", "garbage", "delete-block",
         "empty-file", "child-fact", "template-insert", "template-cut", "template-delete-line",
         "template-swap-name", "structural-retype", "structural-rename", "structural-delete", "structural-copy",
         "delete-file")


@functools.lru_cache(maxsize=None)
def _document(file: str, text: str):
    """A file's parsed records (read-only: :func:`_plain` copies them), or None if it does not parse.
    Parsed once per text: a sample draws from the same few files hundreds of times.  libyaml's path
    (``fast``): the same records as the reference path (tests/test_yaml_fast.py), several times sooner."""
    from diagnostica.engine.kb.yamlload import load_yaml

    try:
        return load_yaml(text, file, fast=True).data
    except Exception:  # noqa: BLE001 - a file the campaign itself broke: no structure to mutate
        return None


@functools.lru_cache(maxsize=None)
def _structure(file: str, text: str) -> tuple[object, tuple[tuple, ...]] | None:
    """A file's records as plain values and the path of every value in them, the root excluded (both
    read-only), or None if it does not parse: found once per text, as :func:`_document`."""
    records = _document(file, text)
    if records is None:
        return None
    plain = _plain(records)
    return plain, tuple(path for path, _ in _paths(plain))


def _structural(rng: random.Random, file: str, text: str) -> tuple[str, Callable[[], Mutation]] | None:
    """A key's value retyped, a key renamed or deleted, a value copied from elsewhere: YAML that
    still parses, so what reads it (schema, catalogue, conditions, texts) is what gets tried.

    Returns its kind and how to build it: every random choice is made here, the copy and the YAML
    dump (the costly part) only when the mutation is kept."""
    records = _document(file, text)
    structure = _structure(file, text)
    if records is None or structure is None:
        return None
    plain, paths = structure
    if not paths:
        return None
    path = rng.choice(paths)
    kind = rng.choice(("retype", "retype", "retype", "rename", "delete", "copy"))
    if kind == "rename" and not isinstance(_walk(plain, path[:-1]), dict):
        kind = "retype"  # an item of a list has no name to change
    if kind == "rename":
        new_name = _rename(rng, str(path[-1]))
    elif kind == "copy":
        source = rng.choice(paths)
    elif kind == "retype":
        value = rng.choice(VALUES)

    def build() -> Mutation:
        document = _plain(records)
        parent, last = _walk(document, path[:-1]), path[-1]
        if kind == "rename":
            parent[new_name] = parent.pop(last)
        elif kind == "delete":
            del parent[last]
        elif kind == "copy":  # the very object, as a writer's paste would be: the dumper writes an alias
            parent[last] = _walk(document, source)
        else:
            parent[last] = copy.deepcopy(value)
        new = yaml.dump(document, Dumper=_DUMPER, allow_unicode=True, sort_keys=False, width=1000)
        return Mutation(f"structural-{kind}", file, 0, f"# {'.'.join(map(str, path))}\n{new}")

    return f"structural-{kind}", build


def _walk(node, path):
    for key in path:
        node = node[key]
    return node


def _draws(seed: int, files: dict[str, str]) -> Iterator[tuple[str, Callable[[], Mutation]]]:
    """The endless seeded stream of (kind, how to build the mutation) behind :func:`mutations`."""
    # Rules, catalogue and data are few files but most of what can go wrong: half the mutations.
    groups = [[n for n in sorted(files) if n.startswith("rules/")],
              [n for n in sorted(files) if n.startswith("locales/") and n.endswith(".yaml")],
              [n for n in sorted(files) if n.endswith(".j2")]]
    rng = random.Random(seed)
    while True:
        group = rng.choices(groups, weights=(5, 2, 3))[0]
        file = rng.choice(group)
        if rng.random() < 0.03:
            mutation = Mutation("delete-file", file, 0, None)
        elif file.endswith(".j2"):
            mutation = _mutate_template(rng, file, files[file])
        else:
            structural = _structural(rng, file, files[file]) if rng.random() < 0.5 else None
            if structural is not None:
                yield structural
                continue
            mutation = _mutate_yaml(rng, file, files[file], files)
        yield mutation.kind, (lambda m=mutation: m)


def mutations(count: int, seed: int = 11, files: dict[str, str] | None = None) -> list[Mutation]:
    """``count`` mutations of the knowledge base's files, the same for the same seed."""
    draws = _draws(seed, files if files is not None else kb_files())
    return [build() for _, build in itertools.islice(draws, count)]


def sample(per_kind: int, seed: int = 11, files: dict[str, str] | None = None,
           most: int = 20_000) -> list[Mutation]:
    """The first ``per_kind`` mutations of each kind in the seeded stream: every operator tried
    several times in far fewer runs than a plain sample that reaches the rare ones (with seed 11 the
    third ``child-fact`` is draw 2,873).  ``most`` bounds the draws.  Ordered so that consecutive mutations
    touch distinct files, which :func:`groups` can then run five at a time."""
    kept: list[Mutation] = []
    seen: Counter = Counter()
    for _, (kind, build) in zip(range(most), _draws(seed, files if files is not None else kb_files())):
        if seen[kind] < per_kind:
            seen[kind] += 1
            kept.append(build())
            if len(seen) == len(KINDS) and min(seen.values()) >= per_kind:
                break
    turn: Counter = Counter()  # the n-th mutation of its file comes in the n-th round
    rounds = []
    for mutation in kept:
        rounds.append(turn[mutation.file])
        turn[mutation.file] += 1
    return [m for _, m in sorted(zip(rounds, kept), key=lambda pair: pair[0])]


#: The commands each mutation goes through (after ``--kb``/the folder is added).
def commands(root: Path) -> list[tuple[str, ...]]:
    facts = str(REPO / "examples" / "mx-foreign.yaml")
    return [("rules", "lint", str(root)), ("rules", "test", str(root)),
            ("check", "--kb", str(root), facts, "--fact", "account.locked=true", "--format", "json")]


@dataclass(frozen=True)
class Outcome:
    mutation: Mutation
    codes: tuple[int, ...]  # exit code of each command
    crashed: tuple[str, ...]  # the commands that ended with exit 3 or printed a traceback

    @property
    def ok(self) -> bool:
        return not self.crashed


def groups(selected: list[Mutation], per_run: int) -> list[list[Mutation]]:
    """Consecutive mutations of distinct files, ``per_run`` at a time (1: each on its own)."""
    found: list[list[Mutation]] = []
    for mutation in selected:
        if found and len(found[-1]) < per_run and mutation.file not in {m.file for m in found[-1]}:
            found[-1].append(mutation)
        else:
            found.append([mutation])
    return found


def run(selected: list[Mutation], workdir: Path, runner: Callable, files: dict[str, str] | None = None,
        per_run: int = 1) -> list[Outcome]:
    """Apply the mutations to one working copy of the knowledge base (``per_run`` at once, each to its
    own file), run the commands, restore the files; a group that crashes is run again one by one, so
    each crash is put down to its own mutation."""
    files = files if files is not None else kb_files()
    root = workdir / "kb"
    if root.exists():
        shutil.rmtree(root)
    for part in ("rules", "locales"):
        shutil.copytree(REPO / part, root / part)
    outcomes = []
    for group in groups(selected, per_run):
        outcome = _run_group(group, root, runner, files)
        if len(group) > 1 and not outcome.ok:
            outcomes += [_run_group([m], root, runner, files) for m in group]
        else:
            outcomes += [Outcome(m, outcome.codes, outcome.crashed) for m in group]
    return outcomes


def _run_group(group: list[Mutation], root: Path, runner: Callable, files: dict[str, str]) -> Outcome:
    for mutation in group:
        path = root / mutation.file
        if mutation.text is None:
            path.unlink()
        else:
            path.write_text(mutation.text, encoding="utf-8")
    try:
        codes, crashed = [], []
        for argv in commands(root):
            result = runner(*argv)
            codes.append(result.code)
            if result.code == 3 or "Traceback" in result.err or "Traceback" in result.out:
                crashed.append(" ".join(argv[:2]))
    finally:
        for mutation in group:
            (root / mutation.file).write_text(files[mutation.file], encoding="utf-8")
    return Outcome(group[0], tuple(codes), tuple(crashed))


def summary(outcomes: list[Outcome]) -> Counter:
    """Counts by command and exit code, and of crashes (exit 3 or a traceback)."""
    counts: Counter = Counter()
    for outcome in outcomes:
        for name, code in zip(("lint", "test", "check"), outcome.codes):
            counts[f"{name} exit {code}"] += 1
        counts["crashed"] += not outcome.ok
    return counts
