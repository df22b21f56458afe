"""Turn findings into text: Jinja templates in Jinja's sandbox, one locale at a time.

Templates live in ``locales/<lang>/rules/``; macros shared by every language
in ``locales/_common/``.  A text missing in the chosen language falls back
to Italian, and the fallback is recorded so ``--explain`` can say so.  A
template that fails is reported for its rule; the other rules still render.
"""
from __future__ import annotations

import functools
import re
import traceback
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Callable, Mapping, NamedTuple

import jinja2

from ..errors import DiagnosticaError, InputError, Location
from ..inputs.context import with_derived
from ..kb.cached_texts import locale_messages
from ..kb.catalogue import Value
from ..kb.load import KnowledgeBase
from ..kb.texts import DEFAULT_LANG, Message, Messages, Texts, lookup
from .sandbox import BudgetedEnvironment, TemplateBudgetExceeded, signed_code_cache
from .settled import settled


class RuleText(NamedTuple):  # a NamedTuple, not a dataclass: far cheaper to create at import (see document.py)
    id: str
    title: str
    explanation: str
    remediation: str
    errors: tuple[str, ...] = ()
    fallbacks: tuple[str, ...] = ()  # what was shown in Italian because `lang` lacks it


class GuardedUndefined(jinja2.ChainableUndefined, jinja2.StrictUndefined):
    """A missing fact: ``facts.x.y is defined`` and ``facts.x.y | default(...)`` work even when ``facts.x``
    is missing too (a guard on the very path used is enough), but showing, comparing or looping over
    it still fails, so an unguarded use is an error the linter finds, never an empty word in the advice."""

    __slots__ = ()


class TemplateRefused(jinja2.TemplateNotFound):
    """A template name that would leave the knowledge base's locales (``..``, absolute, backslash)."""


def confined_name(name: str) -> bool:
    """Whether ``name`` can only name a file under a template root: relative, ``/``-separated,
    no ``..`` or ``.`` part, no backslash, drive, NUL or empty part."""
    if not isinstance(name, str) or not name or "\\" in name or ":" in name or "\0" in name:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


class _TraversableLoader(jinja2.BaseLoader):
    """Loads templates from importlib.resources Traversables (works inside wheels), and from nowhere else.

    A knowledge base is written by people and may be hostile (the web page loads one for many
    users): a rule's template name or an ``{% include %}`` must never reach a file outside the
    roots, so names that could climb out are refused, and on disk a symbolic link that leads out
    of its root is refused too.
    """

    def __init__(self, roots: list[tuple[Traversable, str]]) -> None:
        self.roots = roots

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        if not confined_name(template):
            raise TemplateRefused(template)
        for root, display in self.roots:
            node = root
            for part in template.split("/"):
                node = node / part
            if node.is_file():
                if isinstance(node, Path) and isinstance(root, Path):  # on disk, a symbolic link may lead out
                    if not node.resolve().is_relative_to(root.resolve()):
                        raise TemplateRefused(template)
                return node.read_text(encoding="utf-8"), f"{display}/{template}", lambda: True
        raise jinja2.TemplateNotFound(template)


def _match(value: object, pattern: str) -> bool:
    return isinstance(value, str) and re.search(pattern, value, re.IGNORECASE) is not None


def nest(facts: Mapping[str, Value]) -> dict[str, object]:
    """``{"dns.mx": [...]}`` -> ``{"dns": {"mx": [...]}}`` so templates write facts.dns.mx."""
    tree: dict[str, object] = {}
    # Shallow names first, so a fact with a value keeps its place and one written under it (lint
    # reports it) is put aside as facts['domain.expired'] rather than breaking every text.
    for name, value in sorted(facts.items(), key=lambda item: item[0].count(".")):
        node = tree
        nested = True  # False: a parent is itself a value (``domain`` and ``domain.x``), keep the full name
        *parents, leaf = name.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                nested = False
                break
            node = child
        shown = [dict(v) if isinstance(v, dict) else v for v in value] if isinstance(value, tuple) else value
        if nested:
            node[leaf] = shown
        else:
            tree[name] = shown
    return tree


# Who reads the text: the support agent (sources, commands, rule ids allowed), or the customer,
# to whom the agent sends it as it is.  Templates test `audience`; the reporters shape the rest.
AUDIENCES = ("agente", "cliente")
DEFAULT_AUDIENCE = "agente"
# Where the agent reads it: in a terminal, where a text may say which command or option to run next, or on
# the web page (and from the HTTP API), where no command can be run.  Templates test `channel`.
CHANNELS = ("terminale", "web")
DEFAULT_CHANNEL = "terminale"


class Renderer:
    def __init__(self, kb: KnowledgeBase, lang: str = DEFAULT_LANG, audience: str = DEFAULT_AUDIENCE,
                 channel: str = DEFAULT_CHANNEL) -> None:
        available = kb.directory.languages()
        if lang not in available:
            raise InputError("unknown_lang", Location("--lang"), lang=lang, available=", ".join(available))
        if audience not in AUDIENCES:
            raise InputError("unknown_audience", Location("--audience"), audience=audience,
                             available=", ".join(AUDIENCES))
        if channel not in CHANNELS:  # chosen by the code, never by the user
            raise ValueError(f"unknown channel {channel!r}: one of {', '.join(CHANNELS)}")
        self.kb = kb
        self.lang = lang
        self.audience = audience
        self.channel = channel
        self._envs: dict[str, BudgetedEnvironment] = {}
        self._messages: dict[str, Messages] = {}

    # ------------------------------------------------------------- messages
    def messages(self, lang: str) -> Messages:
        if lang not in self._messages:
            self._messages[lang] = locale_messages(  # checked against the bundled Italian; cached
                self.kb.directory.locale(lang), f"{self.kb.directory.locales_display}/{lang}")
        return self._messages[lang]

    @functools.cached_property
    def texts(self) -> Texts:
        """This knowledge base's messages in the chosen language, then Italian: what errors are phrased with."""
        langs = (self.lang,) if self.lang == DEFAULT_LANG else (self.lang, DEFAULT_LANG)
        return Texts(self.lang, tuple(self.messages(lang) for lang in langs))

    @functools.cached_property
    def _tool_texts(self) -> Texts:
        """The tool's own words (template errors) after the knowledge base's: a KB copy need not carry them."""
        from ..kb.texts import bundled_texts

        return Texts(self.lang, self.texts.layers + bundled_texts(self.lang).layers)

    def text(self, key: str, fallbacks: list[str] | None = None, /, **params: object) -> str:
        """A short text in the chosen language, else in Italian (noted in ``fallbacks``); see ``Texts``.
        The key itself when no layer has a text there (a section is read with :meth:`section`)."""
        value = self.section(key, fallbacks)
        if not isinstance(value, str):
            return key
        return self.texts.format(key, **params) if params else value

    def section(self, key: str, fallbacks: list[str] | None = None) -> Message | None:
        """The entry ``key`` as the locale writes it (a section of texts, a list of texts: ``ask.words``,
        ``next_steps``), in the chosen language, else in Italian (noted in ``fallbacks``); None when missing."""
        value = self.texts.get(key)
        if value is not None and fallbacks is not None and self.lang != DEFAULT_LANG \
                and lookup(self.messages(self.lang), key) is None:
            fallbacks.append(key)
        return value

    def _fact_text(self, name: str) -> Messages:
        for lang in (self.lang, DEFAULT_LANG):
            facts = self.messages(lang).get("facts")
            entry = facts.get(name) if isinstance(facts, dict) else None
            if isinstance(entry, dict):
                return entry
        return {}

    def _fact_word(self, name: str, part: str) -> str:
        word = self._fact_text(name).get(part)
        return word if isinstance(word, str) and word else name

    def fact_label(self, name: str) -> str:
        return self._fact_word(name, "label")

    def fact_question(self, name: str) -> str:
        return self._fact_word(name, "question")

    def fact_choices(self, name: str) -> dict[str, str]:
        choices = self._fact_text(name).get("choices")
        return {k: v for k, v in choices.items() if isinstance(v, str)} if isinstance(choices, dict) else {}

    def rule_title(self, rule_id: str, fallbacks: list[str] | None = None) -> str:
        """The rule's title; for the customer, its ``customer_title`` where the chosen language has one (a
        technical title said in plain words); its id when the locale's entry is not a text (lint reports it)."""
        if self.audience == "cliente":
            plain = lookup(self.messages(self.lang), f"rules.{rule_id}.customer_title")
            if isinstance(plain, str) and plain.strip():
                return plain
        title = self.text(f"rules.{rule_id}.title", fallbacks)
        return title if isinstance(title, str) else rule_id

    def _word(self, key: str) -> str:
        """The text ``key`` in the chosen language, else in Italian; the key itself when there is none."""
        word = self.texts.get(key)
        return word if isinstance(word, str) else key

    def value(self, value: object, name: str | None = None) -> str:
        """A fact value as people read it: sì/no, enum choices by their label, lists joined."""
        if isinstance(value, bool):
            return self._word(f"values.{str(value).lower()}")
        if isinstance(value, (list, tuple)):
            if not value:
                return self._word("values.empty")
            return ", ".join(self.value(v) for v in value)
        if isinstance(value, dict):
            return " ".join(str(v) for v in value.values())
        if name is not None and isinstance(value, str):
            return self.fact_choices(name).get(value, value)
        return str(value)

    # ------------------------------------------------------------ templates
    def env(self, lang: str) -> BudgetedEnvironment:
        if lang not in self._envs:
            directory = self.kb.directory
            base = directory.locales_display
            roots = [(directory.locale(lang) / "rules", f"{base}/{lang}/rules"),
                     (directory.locale(lang), f"{base}/{lang}"),
                     (directory.locales / "_common", f"{base}/_common")]
            env = BudgetedEnvironment(
                loader=_TraversableLoader(roots), undefined=GuardedUndefined,
                autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
                bytecode_cache=signed_code_cache(),
            )
            env.tests["match"] = _match
            self._envs[lang] = env
        return self._envs[lang]

    def render_template(self, name: str, context: Mapping[str, object], fallbacks: list[str]) -> str:
        lang = self.lang
        try:
            template = self._template(lang, name)
        except jinja2.TemplateNotFound:
            if self.lang == DEFAULT_LANG:
                raise
            lang = DEFAULT_LANG
            template = self._template(lang, name)
            fallbacks.append(name)
        return template.render(context).strip()

    def failed(self, problem: str) -> str:
        """What a text says in place of a template that failed: the problem, file:line, in the reader's words
        (the tool's own when a knowledge base's messages lack them)."""
        return self._tool_texts.format("report.template_failed", problem=problem)

    def describe(self, exc: Exception, name: str) -> str:
        """``file:line: problem`` for an error template ``name`` raised, in the chosen language."""
        return describe_template_error(exc, name, self._tool_texts)

    def _template(self, lang: str, name: str) -> jinja2.Template:
        return self.env(lang).get_template(name)

    def context(self, facts: Mapping[str, Value], rule_id: str,
                outcomes: Mapping[str, bool | None] | None = None) -> dict[str, object]:
        """What a rule's templates read: the facts (nested), the data, the audience, the channel and what the facts
        settle (``answered``, and the rule's causes ``confirmed``, ``excluded``, ``open``: see
        :mod:`settled`), from ``outcomes``, every rule's outcome in the same evaluation."""
        rule = self.kb.by_id[rule_id]
        # Facts implied by others (the domain of the account's address) as well, whatever the caller
        # passed, so no record line shows a placeholder domain while the address names the real one.
        known = with_derived(facts, self.kb.catalogue)
        return {"facts": nest(known), "data": self.kb.data, "lang": self.lang, "audience": self.audience,
                "channel": self.channel,
                "rule": {"id": rule.id, "severity": rule.severity},
                # The causes by title, for a cause a template has no words of its own for.
                "titles": self._cause_titles(rule_id),
                **settled(self.kb, rule_id, known, outcomes).context()}

    def rule_text(self, rule_id: str, facts: dict[str, Value],
                  outcomes: Mapping[str, bool | None] | None = None) -> RuleText:
        """The rule's title and texts for ``facts``; ``outcomes`` (``Result.outcomes``) tells the templates
        which causes were confirmed or ruled out -- without it the facts are evaluated here."""
        rule = self.kb.by_id[rule_id]
        fallbacks: list[str] = []
        errors: list[str] = []
        title = self.rule_title(rule_id, fallbacks)
        texts: dict[str, str] = {}
        if outcomes is None and self.kb.caused_by(rule_id):  # only a rule with causes reads outcomes
            outcomes = self._outcomes(facts)
        context = self.context(facts, rule_id, outcomes)
        for part in ("explanation", "remediation"):
            name = getattr(rule, part)
            if name is None:
                texts[part] = ""
                continue
            try:
                texts[part] = self.render_template(name, context, fallbacks)
            except Exception as exc:  # noqa: BLE001 - a broken template must not hide other findings
                problem = describe_template_error(exc, name, self._tool_texts)
                errors.append(problem)
                texts[part] = self.failed(problem)
        return RuleText(rule_id, title, texts["explanation"], texts["remediation"], tuple(errors), tuple(fallbacks))


    def _cause_titles(self, rule_id: str) -> dict[str, str]:
        """The rule's causes by title; by id while the locale's messages cannot be read (the linter
        renders templates to report other problems and states the broken locale file itself)."""
        try:
            return {cause: self.rule_title(cause) for cause in self.kb.caused_by(rule_id)}
        except DiagnosticaError:
            return {cause: cause for cause in self.kb.caused_by(rule_id)}

    def _outcomes(self, facts: dict[str, Value]) -> dict[str, bool | None] | None:
        """Every rule's outcome for ``facts``, when the knowledge base can evaluate them (a writer's
        broken one may not: its texts then read as if no cause were decided)."""
        try:
            outcomes: dict[str, bool | None] = self.kb.evaluate(facts).outcomes
            return outcomes
        except Exception:  # noqa: BLE001 - the linter reports why; the text still renders
            return None


def describe_template_error(exc: Exception, name: str, texts: Texts | None = None) -> str:
    """``file:line: problem`` for any error a template can raise, in ``texts``' language when given."""
    from .jinjaproblems import TemplateProblem, runtime_problem, undefined_name

    if texts is not None and not isinstance(exc, TemplateRefused):
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        file, line = (frames[-1].filename, frames[-1].lineno) if frames else (name, None)
        problem = runtime_problem(exc, file, line)
        if problem is None and isinstance(exc, jinja2.UndefinedError):
            problem = TemplateProblem("undefined", file, line, {"name": undefined_name(str(exc))})
        if problem is not None:
            return problem.text(texts)
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or name}:{exc.lineno}: {exc.message}"
    if isinstance(exc, TemplateRefused):
        return f"{name}: template outside the knowledge base's locales refused ({exc.name})"
    if isinstance(exc, jinja2.TemplateNotFound):
        return f"{name}: template not found ({exc.name})"
    line = None
    filename = name
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith(".j2"):
            filename, line = frame.filename, frame.lineno
            break
    where = f"{filename}:{line}" if line else filename
    if isinstance(exc, TemplateBudgetExceeded) and texts is not None:
        return f"{where}: {budget_message(exc, texts)}"
    return f"{where}: {type(exc).__name__}: {exc}"


def budget_message(exc: TemplateBudgetExceeded, texts: Texts) -> str:
    """What limit a template went past, in the reader's words (``rules lint`` says it too)."""
    separator = texts.word("values.thousands_separator") or ","
    return texts.format(f"report.template_budget_{exc.what}", limit=f"{exc.limit:,}".replace(",", separator))
