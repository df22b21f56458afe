"""Facts that follow from others already known, whatever the source (facts file, paste, API).

Only what is certain: the domain is the part of the account's address after
``@``.  Without it the advice would print record lines for a placeholder
domain while the address names the real one.
"""
from __future__ import annotations

from typing import Mapping

from ..kb.catalogue import Catalogue, CoercionError, Value


def derived(values: Mapping[str, Value], catalogue: Catalogue) -> dict[str, tuple[Value, str]]:
    """{fact: (value, the fact it comes from)} for facts not given but implied by those given."""
    found: dict[str, tuple[Value, str]] = {}
    email = values.get("account.email")
    if "domain" in catalogue and "domain" not in values and isinstance(email, str) and "@" in email:
        domain = email.rpartition("@")[2].strip().rstrip(".").lower()
        if domain:
            try:
                found["domain"] = (catalogue["domain"].coerce(domain), "account.email")
            except CoercionError:  # not a host name: better no domain than a wrong one
                pass
    return found


def with_derived(values: Mapping[str, Value], catalogue: Catalogue) -> dict[str, Value]:
    """The facts and those implied by them."""
    return {**values, **{name: value for name, (value, _) in derived(values, catalogue).items()}}
