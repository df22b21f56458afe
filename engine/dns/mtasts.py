"""MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): the policy that tells senders which MX hosts to trust.

A domain announces a policy with ``_mta-sts.<domain>`` TXT (``v=STSv1; id=...``)
and serves it at ``https://mta-sts.<domain>/.well-known/mta-sts.txt``.  Senders
that honour it (Gmail, Outlook.com) deliver only to MX hosts matching one of
its ``mx:`` lines; in ``enforce`` mode they hold the mail otherwise.  A policy
left over after a migration therefore stops the mail while every record looks
right.  The policy text comes from the facts (``mta_sts.policy``) or from the
fetch (see mtasts_fetch.py).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ..kb.catalogue import normalize_host
from .lookup import Lookup

MODES = ("enforce", "testing", "none")


def texts(lookup: Lookup, prefix: str) -> list[str]:
    from .spf import txt_texts

    return [t for t in txt_texts(lookup) if t.replace(" ", "").lower().startswith(prefix.lower() + ";")
            or t.replace(" ", "").lower() == prefix.lower()]


@dataclass(frozen=True)
class Policy:
    version: str
    mode: str
    mx: tuple[str, ...]
    error: str  # what is wrong, "" when the policy is usable


def parse_policy(text: str) -> Policy:
    """``key: value`` lines (CRLF or LF); ``mx`` may repeat, the others count once."""
    fields: dict[str, str] = {}
    mx: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "mx":
            mx.append(value)
        else:
            fields.setdefault(key, value)
    version, mode = fields.get("version", ""), fields.get("mode", "").lower()
    error = ""
    if version != "STSv1":
        error = "version"
    elif mode not in MODES:
        error = "mode"
    elif mode != "none" and not mx:
        error = "mx"
    return Policy(version, mode, tuple(mx), error)


def covers(pattern: str, host: str) -> bool:
    """RFC 8461 §4.1: a literal name, or ``*.`` standing for exactly one left-most label."""
    pattern, host = normalize_host(pattern), normalize_host(host)
    if pattern.startswith("*."):
        label, dot, rest = host.partition(".")
        return bool(label) and bool(dot) and rest == pattern[2:]
    return pattern == host


def facts(txt: Lookup | None, rpt: Lookup | None, policy_text: str | None, mx_hosts: Iterable[str] | None,
          fetched: dict[str, object] | None = None) -> dict[str, object]:
    """Facts from ``_mta-sts``/``_smtp._tls`` and, when there is one, the policy text."""
    out: dict[str, object] = {}
    if rpt is not None:
        out["dns.tls_rpt_lookup"] = rpt.outcome
        if not rpt.failed:
            records = texts(rpt, "v=TLSRPTv1")
            if records:
                out["dns.tls_rpt"] = records[0]
    if txt is None:
        return out
    out["dns.mta_sts_lookup"] = txt.outcome
    if txt.failed:
        return out
    records = texts(txt, "v=STSv1")
    out["dns.mta_sts_present"] = bool(records)
    if not records:
        return out
    out["dns.mta_sts"] = records[0]
    if fetched is not None:
        out.update(fetched)
    if policy_text is None:
        return out
    out["mta_sts.policy"] = policy_text  # the evidence, fetched or given
    policy = parse_policy(policy_text)
    if policy.error:
        out["dns.mta_sts_policy_error"] = policy.error
        return out
    out["dns.mta_sts_mode"] = policy.mode
    out["dns.mta_sts_mx"] = list(policy.mx)
    if mx_hosts is not None:  # the MX lookup answered: which hosts no pattern covers
        out["dns.mta_sts_uncovered"] = [h for h in mx_hosts if not any(covers(p, h) for p in policy.mx)]
    return out
