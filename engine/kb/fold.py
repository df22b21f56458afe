"""Text folding: how typed or pasted words are compared (the answers of ``ask``, the panel's pasted lines,
the yes/no words of facts), written once.

People type the same word in many ways: capitals, accents lost or kept, curly apostrophes, extra spaces,
a final full stop.  Folding removes those differences and nothing else.
"""
from __future__ import annotations

import unicodedata

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'", "\u02bc": "'"})


def plain(text: str) -> str:
    """Without accents, apostrophes straightened; case and spaces as they were."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def fold(text: str, ends: str = ".!") -> str:
    """Lower case, no accents, straight apostrophes, single spaces, none of ``ends`` (nor spaces) at the end."""
    return " ".join(plain(text).lower().split()).rstrip(ends + " ").strip()
