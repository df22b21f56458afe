"""Many domains at once: bounded concurrency, results streamed in input order.

Input is one domain per line, or JSON Lines objects with a ``domain`` and
per-domain facts.  At most ``concurrency`` domains are in progress and at
most ``concurrency`` DNS queries are in flight, so ``concurrency=1`` is
truly sequential.  Results leave in input order as soon as every earlier
one has left: memory holds one window of domains, never the whole batch.
A bad line or a failing domain becomes an error result; the rest goes on.
"""
from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, AsyncIterator, Iterable, Iterator

import dns.name

from ..errors import DiagnosticaError, InputError, Location
from ..inputs.facts import LineTooLong, json_problem, parse_facts_document, refusal
from ..inputs.jsonable import jsonable
from ..inputs.redact import first_secret, redact
from ..kb.catalogue import Value
from .collect import CHECKS, collect, domain_name, merge
from .lookup import Lookup, Source

if TYPE_CHECKING:
    from ..inputs.facts import JSON
    from ..kb.load import KnowledgeBase
    from ..kb.texts import RuleWords
    from .mtasts_fetch import PolicyFetcher

DEFAULT_CONCURRENCY = 64
MAX_CONCURRENCY = 1024


@dataclass(frozen=True)
class BatchItem:
    line: int
    text: str
    domain: dns.name.Name | None = None
    facts: dict[str, Value] = field(default_factory=dict)
    error: DiagnosticaError | None = None


def iter_items(lines: Iterable[str | LineTooLong], display: str, kb: KnowledgeBase) -> Iterator[BatchItem]:
    """Batch items from lines, lazily; blank lines and # comments are skipped."""
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, LineTooLong):  # an error result, and the batch goes on
            yield BatchItem(number, "", error=InputError("batch_line_too_long", Location(display, number),
                                                         limit=raw.limit))
            continue
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        # An error result echoes its line: never with the password the line may carry.
        shown = redact(text, kb.catalogue.secret_names)
        try:
            yield replace(_item(number, text, display, kb), text=shown)
        except DiagnosticaError as exc:
            # The error may quote the line (a domain name that is not one): name a secret in it instead.
            if first_secret(list(exc.params.values()), kb.catalogue.secret_names):
                exc = refusal(kb.catalogue, exc.code, exc.location or Location(display, number), **exc.params)
            yield BatchItem(number, shown, error=exc)


def _item(number: int, text: str, display: str, kb: KnowledgeBase) -> BatchItem:
    where = Location(display, number)
    if not text.startswith("{"):
        return BatchItem(number, text, domain_name(text, where))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError("dns_batch_json", Location(display, number, exc.colno), **json_problem(exc)) from None
    if not isinstance(document, dict):
        raise InputError("dns_batch_not_object", where)
    if "domain" not in document:
        raise InputError("dns_batch_no_domain", where)
    name = domain_name(document.pop("domain"), where)
    try:
        facts = parse_facts_document(document, display, kb.catalogue, kb.data).values if document else {}
    except InputError as exc:  # the facts parser knows the key, the line is ours
        exc.location = where
        raise exc from None
    return BatchItem(number, text, name, facts)


class _Limited:
    """A lookup source that lets at most N queries out at once."""

    def __init__(self, source: Source, limit: int) -> None:
        self.source = source
        self.semaphore = asyncio.Semaphore(limit)
        self.kind, self.servers, self.description = source.kind, source.servers, source.description

    async def query(self, name: dns.name.Name, rdtype: str) -> Lookup:
        async with self.semaphore:
            return await self.source.query(name, rdtype)


async def run(items: Iterable[BatchItem], source: Source, kb: KnowledgeBase, renderer: RuleWords,
              given: dict[str, Value], concurrency: int = DEFAULT_CONCURRENCY,
              checks: frozenset[str] = frozenset(CHECKS),
              fetcher: PolicyFetcher | None = None) -> AsyncIterator[dict[str, JSON]]:
    """Yield one result per item, in input order, while later items are still being checked."""
    limited = _Limited(source, concurrency)
    titles = _Titles(renderer)
    window: deque[asyncio.Task[dict[str, JSON]]] = deque()
    for item in items:
        while window and (len(window) >= concurrency or window[0].done()):
            yield await window.popleft()
        window.append(asyncio.ensure_future(_check(item, limited, kb, renderer, given, titles, checks, fetcher)))
    while window:
        yield await window.popleft()


class _Titles(dict[str, str]):
    """Rule titles, rendered once per rule for the whole batch (they do not depend on the facts)."""

    def __init__(self, renderer: RuleWords) -> None:
        super().__init__()
        self.renderer = renderer

    def __missing__(self, rule_id: str) -> str:
        title = self[rule_id] = self.renderer.rule_title(rule_id)
        return title


async def _check(item: BatchItem, source: Source, kb: KnowledgeBase, renderer: RuleWords, given: dict[str, Value],
                 titles: dict[str, str] | None = None, checks: frozenset[str] = frozenset(CHECKS),
                 fetcher: PolicyFetcher | None = None) -> dict[str, JSON]:
    titles = _Titles(renderer) if titles is None else titles
    if item.error is not None:
        return _error(item, item.error.render(renderer.texts))
    assert item.domain is not None  # a line without a domain is an item.error
    try:
        known = {**given, **item.facts}
        report = await collect(item.domain, source, kb.catalogue, checks, known, fetcher)
        result = kb.evaluate(merge(report.facts, known))
    except DiagnosticaError as exc:
        return _error(item, exc.render(renderer.texts))
    except Exception as exc:  # noqa: BLE001 - one domain's surprise must not stop the batch
        return _error(item, f"{type(exc).__name__}: {exc}")
    return {
        "line": item.line,
        "domain": report.domain,
        "status": "problems" if result.problems_found else "ok",
        "findings": [{"id": f.id, "severity": f.severity, "title": titles[f.id]}
                     for f in result.findings],
        "facts": jsonable(result.facts),
        "dns": report.to_json(),
    }


def _error(item: BatchItem, message: str) -> dict[str, JSON]:
    return {"line": item.line, "input": item.text, "status": "error", "error": message}
