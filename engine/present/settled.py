"""What the facts already settle for one finding, computed once for its templates.

A template should not tell the agent to check what was answered, nor send
the customer after a cause that was ruled out: it reads, beside the facts,

* ``answered``: the dotted names of every fact known (given by the user, a
  file, a paste, the API or the DNS, or derived from those);
* ``confirmed``, ``excluded``, ``open``: the finding's own causes (the rules
  linked to it by ``causes``/``caused_by``) that fired, that the facts rule
  out, and that nothing decides yet, in the knowledge base's order.

Without an evaluation's outcomes (a linter rendering sample facts) every
cause is open: the text then reads as before anything was known.
"""
from __future__ import annotations

from typing import Mapping, NamedTuple

from ..kb.load import KnowledgeBase


class Settled(NamedTuple):  # a NamedTuple: a dataclass costs its import far more (see document.py)
    answered: tuple[str, ...]
    confirmed: tuple[str, ...]
    excluded: tuple[str, ...]
    open: tuple[str, ...]

    def context(self) -> dict[str, tuple[str, ...]]:
        return {"answered": self.answered, "confirmed": self.confirmed, "excluded": self.excluded,
                "open": self.open}


def settled(kb: KnowledgeBase, rule_id: str, facts: Mapping[str, object],
            outcomes: Mapping[str, bool | None] | None = None) -> Settled:
    causes = [cause for cause in kb.caused_by(rule_id) if cause in kb.by_id and kb.by_id[cause].is_finding]
    state = outcomes if outcomes is not None else {}
    return Settled(
        answered=tuple(sorted(facts)),
        confirmed=tuple(c for c in causes if state.get(c) is True),
        excluded=tuple(c for c in causes if state.get(c) is False),
        open=tuple(c for c in causes if state.get(c) is None),
    )
