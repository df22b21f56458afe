"""A knowledge base that is dropped is freed at once, by reference counting.

A module of its own, the first a test worker runs (``SLOW_FIRST`` in conftest.py): the test sets the
process's heap aside (``gc.freeze``) and every load then counts the frozen objects -- a few milliseconds in a
fresh worker, about a tenth of a second each at the end of a worker's run (a million objects).
"""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("use", ["none", "evaluate", "fired", "both"])
def test_a_knowledge_base_dropped_is_freed_at_once(use):
    """No reference cycle in a loaded knowledge base, used or not: one that is dropped (a server's old one
    after a reload) is freed by reference counting, not left with its memory for a full collection."""
    import gc

    from diagnostica.engine import load_knowledge_base

    facts = {"test_email.sent": False, "dns.mx_valid": False}
    gc.disable()
    gc.freeze()  # what the process already holds (its garbage too) is set aside: the collection scans only what this made
    try:
        kb = load_knowledge_base(cache=False)
        if use in ("evaluate", "both"):
            assert kb.evaluate(facts).findings
        if use in ("fired", "both"):
            assert kb.fired(facts)
        del kb
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds is kept in gc.garbage, to be named here
        gc.collect()
        # (fastjsonschema's validator leaves a recursive local function of its own per call: not ours)
        assert [type(o).__qualname__ for o in gc.garbage if type(o).__module__.startswith("diagnostica")] == []
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.unfreeze()
        gc.enable()
