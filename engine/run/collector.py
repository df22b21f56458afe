"""The cyclic garbage collector paused while a knowledge base is built or compiled (``load``, ``plan``)."""
from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

# The collector's switch is the process's, not a thread's: pauses that overlap (a load in one thread while
# another compiles, two loads of a reloading server) share it, so only the last to end switches it back.
_lock = threading.Lock()
_depth = 0
_found: tuple[bool, int] = (True, 0)  # the outermost pause's (gc enabled, frozen objects) when it began


@contextmanager
def paused_collector() -> Iterator[None]:
    """The cyclic garbage collector paused while a knowledge base is built, then switched back as found.

    Loading makes hundreds of thousands of objects and frees almost none, so
    every collection it triggers is wasted work -- and a full one scans every
    object of the process: with gc on, a load grew super-linearly with the rule
    count and took several times longer in a process already holding 100 MB.
    Writing and compiling a variant's code is the same: with Python's own
    thresholds (a library caller's; the console script raises them) a first
    read of ``kb.fired`` on 5,000 rules ran about 90 collections, 12-18 ms of
    its 0.25 s.

    What was made outlives the pause, so it goes to the oldest generation at
    once (``freeze`` then ``unfreeze``: every tracked object of the process
    moved there, unscanned) instead of being scanned by the next young
    collection (about 8 ms for a warm load of 5,000 rules, more for a cold
    one); the garbage moved with it waits for the next full collection.  That
    is why this is for building only, never for a call that evaluates.
    Nothing stays frozen: a frozen object is never collected, so ``gc.freeze``
    alone at each load kept every old knowledge base of a reloading server and
    the server's own garbage for good.  A caller that froze objects itself
    keeps them frozen: then what was made is left to the young collections.
    """
    global _depth, _found
    entered = False
    try:
        with _lock:
            if _depth == 0:
                _found = (gc.isenabled(), gc.get_freeze_count())
            _depth += 1
            # No call between the two stores: a Ctrl-C (raised only after a call) cannot land between them,
            # so the count is undone exactly when it was made -- a count left behind would keep gc off.
            entered = True
            gc.disable()
        yield
    finally:
        if entered:
            with _lock:
                _depth -= 1
                if _depth == 0:
                    enabled, frozen = _found
                    try:
                        if not frozen and not gc.get_freeze_count():  # nor did anyone freeze meanwhile
                            try:
                                gc.freeze()
                            finally:
                                gc.unfreeze()
                    finally:
                        if enabled:
                            gc.enable()
