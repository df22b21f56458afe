"""Write ``kb.shipped_validators`` anew: ``python -m diagnostica.engine.kb.write_validators``.

To run after an edit of a file under engine/schemas/ or an upgrade of fastjsonschema (until then the
shipped validators are not used, see ``kb.acceptor``; tests/test_startup.py tells when they are stale).
A module of its own: the definitions come from ``kb.load``, which imports ``kb.acceptor``.
"""
from __future__ import annotations

from pathlib import Path

from .acceptor import SHIPPED, shipped_source
from .load import validation_definition


def source() -> str:
    return shipped_source(validation_definition)


if __name__ == "__main__":
    Path(__file__).with_name(SHIPPED).write_text(source(), encoding="utf-8")
