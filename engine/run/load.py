"""A knowledge base ready to evaluate: read and checked (``kb.load``), compiled (``plan``), cached.

Loading from the cache skips reading and compiling: the entry is keyed by the
files' contents (see ``kb.cache``), so an edited file is never served stale.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

from ..kb import cache as kb_cache
from ..kb.load import KnowledgeBase, ParsedFiles, read, source_texts
from ..kb.sources import KnowledgeBaseDir, bundled
from .collector import paused_collector
from .plan import Plan, compile_rules


def compiled(kb: KnowledgeBase) -> KnowledgeBase:
    """``kb`` with its rules compiled for evaluation (the same knowledge base when they already are).

    The parsed files are let go: evaluating never needs them, they are most of the memory a large
    knowledge base holds after its load, and ``KnowledgeBase.files`` reads them again if asked.
    """
    if kb.compiled is not None:
        return kb
    plan = compile_rules(kb.rules, kb.causes, kb.by_id, kb.derived_by)
    return dataclasses.replace(kb, compiled=plan, parsed=ParsedFiles(kb.directory))


def load(directory: KnowledgeBaseDir | None = None, *, cache: bool | None = None) -> KnowledgeBase:
    """Load, validate and compile a knowledge base (the bundled one by default).

    ``cache``: use the compiled-knowledge-base cache (see ``kb.cache``); by
    default yes, unless DIAGNOSTICA_NO_CACHE is set.  The generated code is
    compiled on the first evaluation, not here (a cold load of 5,000 rules
    would spend more time compiling than reading); with the cache, that first
    evaluation stores the code, so a warm load has it ready.
    """
    with paused_collector():
        return _load(directory, cache)


def _load(directory: KnowledgeBaseDir | None, cache: bool | None) -> KnowledgeBase:
    directory = directory or bundled()
    sources, every, texts = source_texts(directory)
    use_cache = texts is not None and (kb_cache.enabled() if cache is None else cache)
    if use_cache and texts is not None:
        folder, content = kb_cache.key(str(directory.rules), [(s.display, t) for s, t in zip(every, texts)])
        state = kb_cache.get(folder, content)
        if isinstance(state, tuple) and len(state) == 7:
            catalogue, data, rules, by_id, causes, derived_by, plan = state
            kb = KnowledgeBase(catalogue=catalogue, data=data, rules=rules, directory=directory, by_id=by_id,
                               causes=causes, derived_by=derived_by, compiled=plan,
                               parsed=ParsedFiles(directory))  # read again when asked
            plan.on_compile = _storer(folder, content, kb)  # a variant the entry has no code for
            return kb
    kb = compiled(read(directory, sources, every, texts))
    if use_cache:
        store = _storer(folder, content, kb)
        store(kb.compiled)
        kb.compiled.on_compile = store
    return kb


def _storer(folder: str, content: str, kb: KnowledgeBase) -> Callable[[Plan], None]:
    """What stores the knowledge base's entry (again, once a variant is compiled: with its code)."""
    state = (kb.catalogue, kb.data, kb.rules, kb.by_id, kb.causes, kb.derived_by)

    def store(plan: Plan) -> None:  # the plan itself is not held here: no cycle through this function
        kb_cache.put(folder, content, (*state, plan))

    return store
