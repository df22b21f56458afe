"""Template checks, one template at a time so a broken one never hides the others.

* syntax errors, at the template's own line;
* names a template uses that nothing provides: every template is rendered
  with ``StrictUndefined`` against the catalogue's sample facts and against
  the facts of each example where its rule fires;
* templates a rule names that a shipped locale lacks, and templates no rule names.
"""
from __future__ import annotations

import bisect
import itertools
import marshal
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import AbstractSet as Set
from typing import Any, Iterator

import jinja2
from jinja2 import nodes

from ..errors import DiagnosticaError
from ..kb.catalogue import closest
from ..kb.conditions import All, Any_, Exists, Node, Not, Test
from ..kb.load import KnowledgeBase
from ..kb.texts import DEFAULT_LANG
from ..present.jinjaproblems import TemplateProblem, runtime_problem, syntax_problem, undefined_name
from ..present.render import budget_message
from ..present.sandbox import TemplateBudgetExceeded, code_settings, keep_code, with_filename
from .collect import Collector
from .examples import derive, example_facts, sample_facts
from .stored import Analyses


def check(kb: KnowledgeBase, evaluable: bool, out: Collector, complete: bool = True,
          store: Analyses | None = None) -> set[str]:
    """Run every template check; return the fact names the templates refer to.  ``store``: what earlier
    runs parsed (the caller saves it); by default this run's own, saved here."""
    from ..present.render import Renderer, confined_name

    refused: set[tuple[str, str]] = set()  # (rule, name) reported once, not once per language
    used_facts: set[str] = set()
    samples = sample_facts(kb)
    contexts_label = out.text("lint.with_samples")
    firing: dict[str, list[tuple[str, dict]]] = {}
    for rule in kb.by_id.values():
        for example in rule.examples:
            if example.expect != "fires":
                continue
            try:
                facts = example_facts(kb, example)
            except Exception:  # noqa: BLE001 - reported by the example checks
                continue
            if evaluable:
                facts = derive(kb, facts)
            firing.setdefault(rule.id, []).append((out.text("lint.with_example", example=example.name), facts))
    names = _known_names(kb)
    env: jinja2.Environment | None = None
    own = store is None
    store = Analyses(f"{kb.directory.locales}") if store is None else store
    for lang in kb.directory.languages():
        renderer = Renderer(kb, lang)
        try:  # the contexts hold the linked rules' titles: a messages file of the wrong shape stops them
            renderer.rule_title(next(iter(kb.by_id), ""))
        except DiagnosticaError:
            continue  # the locale check reports that file; this language's templates cannot be tried
        env = renderer.env(lang)
        folder = kb.directory.locale(lang) / "rules"
        display = f"{kb.directory.locales_display}/{lang}/rules"
        referenced = set()
        # Nesting the facts for templates is costly on a large catalogue: once per set of facts.
        sample_context = renderer.context(samples, next(iter(kb.by_id), "")) if kb.by_id else {}
        sparse_contexts: dict[str, dict] = {}
        for rule in sorted(kb.by_id.values(), key=lambda r: r.id):
            contexts = [(contexts_label, sample_context)] + [
                (when, renderer.context(facts, rule.id)) for when, facts in firing.get(rule.id, [])]
            for part in ("explanation", "remediation"):
                name = getattr(rule, part)
                if not name:
                    continue
                referenced.add(name)
                if not confined_name(name):
                    if (rule.id, name) not in refused:
                        refused.add((rule.id, name))
                        out.add(rule.location.file, rule.location.line, rule.location.column, "error",
                                "template-outside", "template_outside", rule=rule.id, name=name)
                    continue
                if not (folder / name).is_file():
                    severity, key = ("error", "template_missing") if lang == DEFAULT_LANG else \
                        ("warning", "template_missing_lang")
                    out.add(rule.location.file, rule.location.line, rule.location.column, severity,
                            "template-missing", key, rule=rule.id, name=name, lang=lang, folder=display)
                    continue
                analysis = _parse(env, folder / name, name, f"{display}/{name}", out, store, compiled=True)
                if analysis is None or analysis.code is None:
                    continue
                refs = analysis.refs
                used_facts |= refs
                rule_info = {"id": rule.id, "severity": rule.severity}
                template = env.template_class.from_code(env, analysis.code, env.make_globals(None))
                for when, context, missing in _contexts(contexts, rule, refs, samples, renderer, out,
                                                        sparse_contexts, analysis.channel):
                    context = {**context, "rule": rule_info}
                    if not _render(template, context, f"{display}/{name}", when, names, out, missing):
                        break  # one report per template is enough
        for node in sorted(_templates(folder), key=lambda n: n.name):
            if complete and node.name not in referenced:
                out.add(f"{display}/{node.name}", 1, 1, "warning", "unused-template", "unused_template",
                        hint="unused_template_hint")
        used_facts |= _other_templates(env, kb.directory.locale(lang), f"{kb.directory.locales_display}/{lang}",
                                       out, store, skip="rules")
    if env is not None:  # None: no language's texts could be read (the locale check says why)
        common = kb.directory.locales / "_common"
        used_facts |= _other_templates(env, common, f"{kb.directory.locales_display}/_common", out, store)
    if own:
        store.save()
    return used_facts


def _contexts(contexts: list, rule: Any, refs: Set[str], samples: dict, renderer: Any, out: Collector,
              sparse_contexts: dict, channel: bool = False):
    """The facts to render a rule's template with: the catalogue's samples (for the agent and for the
    customer, and for the agent on the web page when the template tests ``channel``), each example where
    the rule fires, then the samples less each fact the template reads that the rule can fire without --
    so a guard on the parent only (``facts.account is defined`` before ``facts.account.email``) is found
    before a customer's text shows the error."""
    for when, context in contexts:
        yield when, context, None
        if when == contexts[0][0]:
            yield when, {**context, "audience": "cliente"}, None
            if channel:
                yield when, {**context, "channel": "web"}, None
    for name in _may_be_missing(rule, refs, samples):
        if name not in sparse_contexts:  # the same for every rule: built once per language
            sparse = {k: v for k, v in samples.items() if k != name}
            sparse_contexts[name] = renderer.context(sparse, rule.id)
        yield out.text("lint.without_fact", name=name), sparse_contexts[name], name


def _other_templates(env: jinja2.Environment, folder: Any, display: str, out: Collector, store: Analyses,
                     skip: str | None = None) -> set[str]:
    """The templates beside the rules' (ticket, guide, macros): checked for syntax, and the facts
    they name count as used -- the ticket shows facts no rule reads."""
    found: set[str] = set()
    if not folder.is_dir():
        return found
    for node in sorted(folder.iterdir(), key=lambda n: n.name):
        if node.is_dir() and node.name != skip:
            found |= _other_templates(env, node, f"{display}/{node.name}", out, store)
        elif node.is_file() and node.name.endswith(".j2"):
            analysis = _parse(env, node, node.name, f"{display}/{node.name}", out, store)
            if analysis is not None:
                found |= analysis.refs
    return found


def _templates(folder: Any) -> Iterator[Any]:
    if folder.is_dir():
        yield from (n for n in folder.iterdir() if n.is_file() and n.name.endswith(".j2"))


@dataclass(frozen=True)
class _Analysis:
    """What parsing (and compiling) one template's source found: the problems to report (the
    collector calls, replayed each run), the facts it names and Jinja's compiled code (None when the
    template cannot be rendered)."""

    calls: tuple
    refs: frozenset
    code: Any  # None when not asked for, or when the template cannot be rendered
    usable: bool  # parsed, and every include stays inside the locales
    # The text names `channel` (terminal or web page): rendered for the web page too.  Found in the
    # source at each lint (a substring: a comment saying it costs one render more), never stored.
    channel: bool = False


class _Recorder:
    """A collector that keeps its calls, so an analysis can be reused by the next lint of the same text."""

    def __init__(self, texts: Any) -> None:
        self.texts = texts
        self.calls: list = []

    def add(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


#: Analyses by (environment settings, language, source, name, display, compiled): parsing and compiling
#: are most of a lint run, and a writer's next run (or the mutation campaign's) changes few templates.
_ANALYSES: dict[tuple, tuple[_Analysis, tuple | None]] = {}  # -> (analysis, what ``store`` keeps of it)
_MAX_ANALYSES = 4096


def _settings(env: jinja2.Environment) -> tuple:
    """What the compiled code of a template depends on, besides its source."""
    return (type(env), env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.optimized,
            env.autoescape if isinstance(env.autoescape, bool) else id(env.autoescape),
            tuple(sorted(env.filters)), tuple(sorted(env.tests)), env.undefined)


def _settings_words(env: jinja2.Environment) -> tuple:
    """``_settings`` as words that mean the same in another process (classes by name, not identity)."""
    return tuple(f"{item.__module__}.{item.__qualname__}" if isinstance(item, type) else item
                 for item in _settings(env))


def _parse(env: jinja2.Environment, node: Any, name: str, display: str, out: Collector, store: Analyses,
           compiled: bool = False) -> _Analysis | None:
    """Parse once: the syntax check, the facts the template names, and (``compiled``) Jinja's code --
    from this process's earlier lints, else from the user's cache (``stored``), else done here."""
    if isinstance(node, Path) and node.is_symlink() and not _inside_locales(node):
        out.add(display, 1, 1, "error", "template-outside", "template_link_outside", name=str(node.readlink()))
        return None  # rendering refuses it too: nothing of the file it leads to is read
    try:
        source = node.read_text(encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - any failure is still one problem, not a crash
        _compile_problem(exc, display, out, env)
        return None
    # A clean analysis does not depend on where the file is shown (only its code's filename does, set
    # below): a lint of a copy of the same knowledge base (the tests', a writer's second checkout) reuses it.
    settings = (code_settings(env, name), env.undefined)  # the functions themselves: Jinja folds constants
    clean_key = (settings, source, name, compiled)
    key = (settings, out.lang, source, name, display, compiled)
    stored_key = store.key(_settings_words(env), source, name, display, compiled)
    found = _ANALYSES.get(clean_key) or _ANALYSES.get(key)
    if found is None:
        kept = store.get(stored_key)
        if kept is not None:
            refs, code = kept
            analysis = _Analysis((), refs, None if code is None else marshal.loads(code), True)
        else:
            analysis = _analyse(env, source, name, display, out.texts, compiled)
            # Only a clean analysis is kept for the next process: a problem is told afresh on every run.
            kept = (analysis.refs, None if analysis.code is None else marshal.dumps(analysis.code)) \
                if analysis.usable and not analysis.calls else None
        if len(_ANALYSES) >= _MAX_ANALYSES:
            _ANALYSES.clear()
        _ANALYSES[clean_key if analysis.usable and not analysis.calls else key] = found = (analysis, kept)
    analysis, kept = found
    if analysis.code is not None and analysis.code.co_filename != display:
        analysis = replace(analysis, code=with_filename(analysis.code, display))
    if "channel" in source:
        analysis = replace(analysis, channel=True)
    if kept is not None:  # this run's store holds what this run read, from this process's memory too
        store.put(stored_key, kept)
    for args, kwargs in analysis.calls:
        out.add(*args, **kwargs)
    return analysis if analysis.usable else None


def _analyse(env: jinja2.Environment, source: str, name: str, display: str, texts: Any,
             compiled: bool) -> _Analysis:
    recorder = _Recorder(texts)
    try:
        tree = env.parse(source, name, display)
    except Exception as exc:  # noqa: BLE001 - any failure is still one problem, not a crash
        _compile_problem(exc, display, recorder, env, source)
        return _Analysis(tuple(recorder.calls), frozenset(), None, False)
    below = _nodes(tree)  # one walk of the tree for both checks (Jinja's find_all walks it once per call)
    refs = frozenset(_fact_refs(below))  # before compiling: Jinja's optimizer may rewrite the tree
    if not _confined_includes(below, display, recorder):
        return _Analysis(tuple(recorder.calls), refs, None, False)
    code = None
    if compiled:
        try:
            code = env.compile(tree, name, display)
        except Exception as exc:  # noqa: BLE001
            _compile_problem(exc, display, recorder, env)
            return _Analysis(tuple(recorder.calls), refs, None, False)
        keep_code(env, source, name, code)  # the renders that follow (preview, docs, check) need not compile it
    return _Analysis(tuple(recorder.calls), refs, code, True)


def _inside_locales(node: Path) -> bool:
    """Whether a link leads to a file under the ``locales`` folder it sits in."""
    locales = next((p for p in node.parents if p.name == "locales"), None)
    return locales is not None and node.resolve().is_relative_to(locales.resolve())


def _nodes(tree: nodes.Node) -> list[nodes.Node]:
    """Every node below ``tree`` in the order ``find_all`` yields them (depth first, each before its
    children), gathered in one pass without a generator per node: parsing aside, walking the tree once
    per kind of node was a fifth of reading a template."""
    found: list[nodes.Node] = []
    stack: list[nodes.Node] = [tree]
    node_type = nodes.Node
    while stack:
        node = stack.pop()
        found.append(node)
        children: list[nodes.Node] = []
        for field in node.fields:  # what ``Node.iter_child_nodes`` reads, in its order
            item = getattr(node, field, None)
            if isinstance(item, list):
                children.extend(child for child in item if isinstance(child, node_type))
            elif isinstance(item, node_type):
                children.append(item)
        stack.extend(reversed(children))
    return found[1:]


def _confined_includes(below: list[nodes.Node], display: str, out: Any) -> bool:
    """Report every include/import/extends whose name would leave the locales (rendering refuses them).
    ``below``: the template's nodes (``_nodes``)."""
    from ..present.render import confined_name

    clean = True
    kinds = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
    for node in (n for n in below if isinstance(n, kinds)):
        target = node.template  # every one of these four nodes has it
        names = [target.value] if isinstance(target, nodes.Const) else \
            [item.value for item in target.items if isinstance(item, nodes.Const)] \
            if isinstance(target, (nodes.List, nodes.Tuple)) else []
        for value in names:
            if not confined_name(value):
                out.add(display, node.lineno, 1, "error", "template-outside", "template_include_outside",
                        name=value)
                clean = False
    return clean


def _compile_problem(exc: Exception, display: str, out: Any, env: jinja2.Environment | None = None,
                     source: str | None = None) -> None:
    if isinstance(exc, jinja2.TemplateSyntaxError):
        _add(out, syntax_problem(exc, display, env, source), "template-syntax")
    else:
        out.add(display, 1, 1, "error", "template-error", "template_error", when="", problem=str(exc))


def _add(out: Any, problem: TemplateProblem, check_id: str) -> None:
    """A template mistake in the writer's words (``lint.jinja`` texts), with its hint."""
    out.add(problem.file, problem.line, 1, "error", check_id, f"jinja.{problem.code}",
            hint=problem.hint_key(out.texts), **problem.params)


def template_names(env: jinja2.Environment) -> tuple[str, ...]:
    """Every template name the environment's roots hold (``rules/x.j2`` is named ``x.j2``), sorted."""
    found = set()
    for root, _ in getattr(env.loader, "roots", ()):
        stack = [(root, "")]
        while stack:
            folder, prefix = stack.pop()
            if not folder.is_dir():
                continue
            for child in folder.iterdir():
                if child.is_dir():
                    stack.append((child, f"{prefix}{child.name}/"))
                elif child.name.endswith(".j2"):
                    found.add(f"{prefix}{child.name}")
    return tuple(sorted(found))


def _render(template: jinja2.Template, context: dict, display: str, when: str, names: list[str],
            out: Collector, missing: str | None = None) -> bool:
    """Render once; a failure is one problem.  ``missing``: the fact left out of these facts."""
    try:
        template.render(context)
        return True
    except (jinja2.TemplateSyntaxError, jinja2.TemplateNotFound) as exc:  # in a template it includes
        file, line = _where(exc, display)
        if isinstance(exc, jinja2.TemplateSyntaxError):
            file, line = exc.filename or file, exc.lineno
        problem = runtime_problem(exc, file, line, template.environment, template_names(template.environment))
        assert problem is not None  # a syntax error or a missing template always has its words
        _add(out, problem, "template-syntax" if isinstance(exc, jinja2.TemplateSyntaxError) else "template-missing")
    except jinja2.UndefinedError as exc:
        file, line = _where(exc, display)
        name = undefined_name(str(exc))
        suggestion = closest(name, names)
        if missing is not None and (suggestion == name or missing.endswith("." + name) or missing == name):
            hint = "template_undefined_own_guard"  # a real name, guarded on its parent or not at all
        else:
            hint = "template_undefined_hint" if suggestion and suggestion != name else "template_undefined_guard"
        out.add(file, line, 1, "error", "template-undefined", "template_undefined", hint=hint,
                hint_params={"suggestion": suggestion, "fact": missing}, name=name, when=when)
    except TemplateBudgetExceeded as exc:  # an endless or explosive loop: rendering would stop it the same way
        file, line = _where(exc, display)
        out.add(file, line, 1, "error", "template-budget", "template_error", when=when,
                problem=budget_message(exc, out.texts))
    except jinja2.TemplateRuntimeError as exc:
        file, line = _where(exc, display)
        problem = runtime_problem(exc, file, line, template.environment)
        if problem is not None:
            _add(out, problem, "template-syntax")
        else:
            out.add(file, line, 1, "error", "template-error", "template_error", when=when,
                    problem=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # noqa: BLE001
        file, line = _where(exc, display)
        out.add(file, line, 1, "error", "template-error", "template_error", when=when,
                problem=f"{type(exc).__name__}: {exc}")
    return False


def _where(exc: Exception, display: str) -> tuple[str, int | None]:
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            return frame.filename, frame.lineno
    return display, None


def _known_names(kb: KnowledgeBase) -> list[str]:
    names = set()
    for fact in kb.catalogue.facts:
        names.update(fact.split("."))
    stack = [kb.data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            names.update(str(k) for k in node)
            stack.extend(node.values())
    return sorted(names | {"facts", "data", "lang", "rule"})


def _fact_refs(below: list[nodes.Node]) -> set[str]:
    """Dotted names after ``facts.`` anywhere in the template (``facts.dns.mx`` -> ``dns.mx``), through
    the names a template gives them (``{% set dns = facts.dns | default({}) %}`` then ``dns.mx``).
    ``below``: the template's nodes (``_nodes``)."""
    aliases: dict[str, str] = {}
    for assign in below:
        if isinstance(assign, nodes.Assign) and isinstance(assign.target, nodes.Name):
            path = _fact_path(assign.node, {})
            if path:
                aliases[assign.target.name] = path
    found = set()
    for item in below:
        if not isinstance(item, (nodes.Getattr, nodes.Getitem)):
            continue
        path = _fact_path(item, aliases)
        if path:
            found.add(path)
    return found


def _fact_path(node: Any, aliases: dict[str, str]) -> str | None:
    """``facts.a.b`` (or ``(facts.a | default({})).b``, or ``alias.b``) -> ``a.b``; None for anything else."""
    parts: list[str] = []
    current = node
    while True:
        if isinstance(current, nodes.Getattr):
            parts.append(current.attr)
        elif isinstance(current, nodes.Getitem):
            if not isinstance(current.arg, nodes.Const):
                return None
            parts.append(str(current.arg.value))
        elif isinstance(current, nodes.Filter) and current.name == "default" and current.node is not None:
            pass  # a default on the way changes nothing about which fact is read
        else:
            break
        current = current.node
    if isinstance(current, nodes.Name):
        base = "" if current.name == "facts" else aliases.get(current.name)
        if base is not None and (parts or base):
            return ".".join(p for p in (base, *reversed(parts)) if p)
    return None


def known_when_true(node: Node, want: bool = True) -> frozenset[str]:
    """The facts that are always known when ``node`` evaluates to ``want`` (Kleene logic: a test on a
    missing fact is undecided, so a rule that fires knows every fact of every test it needed)."""
    if isinstance(node, Exists):
        return frozenset({node.fact}) if node.expected is want else frozenset()
    if isinstance(node, Test):
        return frozenset({node.fact, *node.refs})
    if isinstance(node, Not):
        return known_when_true(node.child, not want)
    if isinstance(node, (All, Any_)):
        sets = [known_when_true(child, want) for child in node.children]
        every = isinstance(node, All) is want  # all-true and any-false need every child
        if every:
            return frozenset().union(*sets)
        return frozenset.intersection(*sets) if sets else frozenset()
    return frozenset()


def _may_be_missing(rule: Any, refs: Set[str], samples: dict[str, Any]) -> list[str]:
    """The facts a template reads that can be missing when its rule fires (one sparse set each)."""
    deepest = {r for r in refs if not any(o.startswith(r + ".") for o in refs)}
    guaranteed = known_when_true(rule.condition) if rule.condition is not None else frozenset()
    # A sample is read when a deepest reference is the sample itself, below it or above it: found
    # through the references' dotted prefixes and, for the samples below one, a range of the sorted
    # names -- not by comparing every sample with every reference, for every rule.
    ordered = sorted(samples)
    read = {ref.rsplit(".", depth)[0] for ref in deepest for depth in range(ref.count(".") + 1)}
    found = {name for name in ordered if name in read}
    for ref in deepest:
        below = ref + "."
        for name in itertools.islice(ordered, bisect.bisect_left(ordered, below), None):
            if not name.startswith(below):
                break
            found.add(name)
    return [name for name in ordered if name in found and name not in guaranteed]
