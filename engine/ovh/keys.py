"""The least rights a consumer key needs for ``diagnostica ovh`` (``--create-key``), without any network call.

The rules are those of ``POST /auth/credential`` (``accessRules``), as ``ovh.Client.request_consumerkey``
sends them: read-only ``GET`` on the paths the collection reads, plus, only for ``--new``, the ``POST`` that
starts a diagnostic and the ``GET`` of its task.  ``*`` is the API's wildcard (one path part here).
"""
from __future__ import annotations

from dataclasses import dataclass

_EXCHANGE = "/email/exchange/*/service/*"
_PRO = "/email/pro/*"

#: What ``collect`` and ``--all`` read: the listings that find the service, then the service's objects.
READ_PATHS = (
    "/email/exchange", "/email/exchange/*/service", _EXCHANGE,
    _EXCHANGE + "/account", _EXCHANGE + "/account/*", _EXCHANGE + "/account/*/diagnostics", _EXCHANGE + "/domain/*",
    _EXCHANGE + "/domain/*/dkim", _EXCHANGE + "/domain/*/dkim/*",
    "/email/pro", _PRO,
    _PRO + "/account", _PRO + "/account/*", _PRO + "/account/*/diagnostics", _PRO + "/domain/*",
    _PRO + "/domain/*/dkim", _PRO + "/domain/*/dkim/*",
)
#: What ``--new`` adds: starting the diagnostic and following its task.
NEW_RULES = tuple((method, base + tail) for base in (_EXCHANGE, _PRO)
                  for method, tail in (("POST", "/account/*/diagnostics"), ("GET", "/account/*/tasks/*")))


@dataclass(frozen=True)
class AccessRule:
    method: str
    path: str

    def to_json(self) -> dict[str, str]:
        return {"method": self.method, "path": self.path}

    def allows(self, method: str, target: str) -> bool:
        """Whether this rule grants the call (``*`` standing for one path part, as in the rules above)."""
        parts, wanted = self.path.strip("/").split("/"), target.split("?")[0].strip("/").split("/")
        return method == self.method and len(parts) == len(wanted) and all(
            p in ("*", w) for p, w in zip(parts, wanted))


def access_rules(new: bool = False) -> list[AccessRule]:
    rules = [AccessRule("GET", p) for p in READ_PATHS]
    return rules + ([AccessRule(m, p) for m, p in NEW_RULES] if new else [])


def credential_url(base_url: str) -> str:
    """Where the consumer key is asked for: ``POST {endpoint}/auth/credential``."""
    return base_url.rstrip("/") + "/auth/credential"
