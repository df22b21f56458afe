"""From the OVHcloud API to catalogue facts, each with the call that gave it.

``collect(api, email, catalogue, data)`` finds the account's service (``GET /email/exchange`` ->
organisations -> services -> accounts; ``GET /email/pro`` -> services -> accounts), or uses the
organisation and service given, then reads the service, the account, its last diagnosis and its domain.
Which field gives which fact is data (``rules/data/api.yaml``).  A call that is refused or unanswered
leaves its facts unknown and is listed in the report; only a missing account or service, or keys that do
not work, stop the collection.
"""
from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, TypedDict

from ..errors import InputError, Location
from ..inputs.facts import api_mapping, coerce
from ..kb.catalogue import Catalogue, Value
from .api import Api, Call, CallFailed, OvhError, SharedReads, path, unavailable
from .diagnose import NewDiagnosis, start, wait

if TYPE_CHECKING:
    from ..inputs.facts import JSON

PRODUCTS = ("exchange", "pro")
#: A diagnosis older than this is reported as old.
STALE_AFTER = datetime.timedelta(days=1)


class Task(TypedDict):
    """The new diagnostic's task (``--new``)."""

    id: int | str
    status: str
    polls: int
    waited_s: float
    previous_check: JSON  # the diagnosis's lastCheck before the task, to tell a new one from it


@dataclass
class OvhReport:
    email: str
    endpoint: str
    product: str | None = None
    organization: str | None = None
    service: str | None = None
    facts: dict[str, Value] = field(default_factory=dict)
    evidence: dict[str, int] = field(default_factory=dict)  # fact -> index of the call in ``calls``
    calls: list[Call] = field(default_factory=list)
    warnings: list[dict[str, JSON]] = field(default_factory=list)  # {"code": ..., **the message's params}
    task: Task | None = None  # the new diagnostic's task (--new)

    @property
    def failed(self) -> list[Call]:
        """The reads whose facts stay unknown (refused, unanswered; a diagnosis never run is a warning)."""
        return [c for c in self.calls if c.reads and c.outcome not in ("ok", "no_diagnosis")]

    def call_of(self, fact: str) -> Call | None:
        index = self.evidence.get(fact)
        return None if index is None else self.calls[index]

    def to_json(self) -> dict[str, JSON]:
        return {"email": self.email, "endpoint": self.endpoint, "product": self.product,
                "organization": self.organization, "service": self.service,
                "calls": [c.to_json() for c in self.calls],
                "evidence": {name: index for name, index in self.evidence.items()},
                "failed": [f"{c.method} {c.path}" for c in self.failed],
                "warnings": list(self.warnings), "task": _task_json(self.task)}


def _task_json(task: Task | None) -> JSON:
    if task is None:
        return None
    return {"id": task["id"], "status": task["status"], "polls": task["polls"], "waited_s": task["waited_s"],
            "previous_check": task["previous_check"]}


def base_path(product: str, organization: str | None, service: str) -> str:
    if product == "pro":
        return path("/email/pro/{service}", service=service)
    return path("/email/exchange/{organization}/service/{service}", organization=organization, service=service)


def _section(node: object, key: str) -> dict[str, object]:
    """``node[key]`` when both are mappings, else an empty one: a section a writer retyped maps nothing."""
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, dict) else {}


def collect(api: Api, email: str, catalogue: Catalogue, data: Mapping[str, object], *, organization: str | None = None,
            service: str | None = None, product: str | None = None,
            now: datetime.datetime | None = None, new: NewDiagnosis | None = None,
            shared: SharedReads | None = None) -> OvhReport:
    """The account's facts; with ``new``, a new diagnostic is started and awaited before the diagnosis is read.

    ``shared``: a batch's reads of what its accounts have in common (the service, the domain and its DKIM
    selectors), each asked of the API once for the whole batch (see :class:`api.SharedReads`)."""
    email = email.strip()
    if "@" not in email:
        raise InputError("ovh_bad_email", Location("EMAIL"), value=email)
    report = OvhReport(email=email, endpoint=api.endpoint, calls=api.calls)
    if service is not None:
        product = product or ("exchange" if organization else "pro")
        if product == "exchange" and organization is None:
            organization = organization_of(api, service)
    else:
        product, organization, service = _find_account(api, email, product)
    report.product, report.organization, report.service = product, organization, service
    base = base_path(product, organization, service)
    maps = _section(data, "api_objects")
    account_path = base + path("/account/{email}", email=email)

    # What the accounts of a service have in common; an account's own objects are always its own calls.
    common: Callable[[str], JSON] = api.get if shared is None else partial(shared.get, api)

    def read(target: str, what: str, fields: Mapping[str, object],
             get: Callable[[str], JSON] = api.get) -> dict[str, JSON] | None:
        try:
            answer = get(target)
        except CallFailed as exc:
            exc.call.reads = True
            if exc.call.outcome == "not_found" and what == "service":
                raise OvhError("ovh_service_not_found", Location("--service"), service=service,
                               where=f"{product} {organization or ''}".strip()) from None
            if exc.call.outcome == "not_found" and what == "account":
                raise OvhError("ovh_account_not_found", Location("EMAIL"), email=email,
                               where=f"{product} {service}", close=_close(api, base, email)) from None
            if exc.call.outcome == "not_found" and what == "diagnosis":
                exc.call.outcome = "no_diagnosis"  # the API's 404 for an account never diagnosed
                report.warnings.append({"code": "diagnostic_missing"})
            return None
        api.calls[-1].reads = True
        if isinstance(answer, dict):
            _map(report, answer, fields, catalogue, len(api.calls) - 1, what)
        return answer if isinstance(answer, dict) else None

    read(base, "service", _section(_section(maps, "service"), "fields"), common)
    account = read(account_path, "account", _section(_section(maps, "account"), "fields"))
    domain = report.facts.get("domain") or email.rpartition("@")[2]
    if account is None:
        report.facts.setdefault("account.email", coerce(catalogue, "account.email", email, Location("EMAIL")))
    read(base + path("/domain/{domain}", domain=domain), "domain", _section(_section(maps, "domain"), "fields"),
         common)
    _dkim(api, common, report, base + path("/domain/{domain}/dkim", domain=domain), _section(maps, "dkim"), catalogue)
    started = new is not None and _start_new(api, report, account_path, new)
    # Last, so that what the panel's diagnosis says wins, as it would in the equivalent facts file.
    diagnosis = read(account_path + "/diagnostics", "diagnosis", api_mapping(data))
    report.facts.setdefault("domain", coerce(catalogue, "domain", domain, Location("EMAIL")))
    if diagnosis is not None and started and report.task is not None:
        if diagnosis.get("lastCheck") == report.task["previous_check"]:
            report.warnings.append({"code": "diagnostic_not_updated", "task": report.task["id"],
                                    "last_check": diagnosis.get("lastCheck") or "-"})
    elif diagnosis is not None:
        _check_age(report, diagnosis.get("lastCheck"), now)
    return report


def _start_new(api: Api, report: OvhReport, account_path: str, new: NewDiagnosis) -> bool:
    """Start the diagnostic and wait for it; False (with the refused call in the report) if it could not start.

    The previous ``lastCheck`` is read first, to tell afterwards whether the diagnosis really is a new one.
    """
    try:
        previous = api.get(account_path + "/diagnostics")
    except CallFailed:
        previous = None  # never run, or not readable: any lastCheck afterwards is new
    previous_check = previous.get("lastCheck") if isinstance(previous, dict) else None
    try:
        task_id = start(api, account_path, new.password)
    except CallFailed as exc:  # refused (no right to POST, a password the API rejects) or unanswered
        exc.call.reads = True
        report.warnings.append({"code": "diagnostic_not_started"})
        return False
    result = wait(api, account_path, task_id, limit=new.wait, progress=new.progress)
    report.task = {"id": task_id, "status": result.status, "polls": result.polls,
                   "waited_s": round(result.waited, 3), "previous_check": previous_check}
    return True


# -- finding the service ------------------------------------------------------------------------------------

def _list(api: Api, target: str) -> list[str]:
    """A listing; a refused or failed one is simply empty (it is in the calls), except when the API is down."""
    try:
        answer = api.get(target)
    except CallFailed as exc:
        if exc.call.outcome in ("unavailable", "timeout", "bad_answer"):
            raise unavailable(exc.call) from None
        return []
    return [str(item) for item in answer] if isinstance(answer, list) else []


def _services(api: Api, product: str) -> Iterator[tuple[str | None, str]]:
    """(organization, service) pairs of a product."""
    if product == "pro":
        for service in _list(api, "/email/pro"):
            yield None, service
        return
    for organization in _list(api, "/email/exchange"):
        for service in _list(api, path("/email/exchange/{o}/service", o=organization)):
            yield organization, service


def accounts(api: Api, base: str) -> list[str]:
    return _list(api, base + "/account")


def _find_account(api: Api, email: str, product: str | None) -> tuple[str, str | None, str]:
    found: list[tuple[str, str | None, str]] = []
    known: list[str] = []
    for candidate in (product,) if product else PRODUCTS:
        for organization, service in _services(api, candidate):
            listed = accounts(api, base_path(candidate, organization, service))
            known += listed
            if email.lower() in (a.lower() for a in listed):
                found.append((candidate, organization, service))
    if not found:
        raise OvhError("ovh_account_not_found", Location("EMAIL"), email=email,
                       where=product or "exchange, pro", close=_closest(email, known))
    if len({p for p, _, _ in found}) > 1:
        raise OvhError("ovh_product_ambiguous", Location("EMAIL"), email=email)
    if len(found) > 1:
        raise OvhError("ovh_service_ambiguous", Location("EMAIL"), email=email,
                       services=", ".join(s for _, _, s in found))
    return found[0]


def organization_of(api: Api, service: str) -> str:
    for organization, candidate in _services(api, "exchange"):
        if candidate == service and organization is not None:  # an Exchange service always has one
            return organization
    raise OvhError("ovh_service_not_found", Location("--service"), service=service, where="exchange")


def _close(api: Api, base: str, email: str) -> str:
    try:
        return _closest(email, accounts(api, base))
    except OvhError:
        return "-"
    except Exception:  # noqa: BLE001 - the suggestion is a courtesy: an unanswered listing gives none
        return "-"


def _closest(email: str, known: list[str]) -> str:
    close = difflib.get_close_matches(email.lower(), [k.lower() for k in known], n=3, cutoff=0.6)
    return ", ".join(close) or "-"


#: Selector objects read per domain: a platform signs with two; the list must not order thousands of calls.
MAX_DKIM_SELECTORS = 16


def _dkim(api: Api, get: Callable[[str], JSON], report: OvhReport, target: str, spec: Mapping[str, object],
          catalogue: Catalogue) -> None:
    """The domain's DKIM selectors as one records fact (rules/data/api.yaml ``dkim``).

    A 404 is an offer or domain without DKIM: nothing to check, not a failure.  Any other failed call
    leaves the fact unknown (the DKIM rule undecided), never an empty list.
    """
    fact, fields = spec.get("fact"), spec.get("record")
    if not isinstance(fact, str) or fact not in catalogue or not isinstance(fields, dict):
        return
    try:
        names = get(target)
    except CallFailed as exc:
        exc.call.reads = exc.call.outcome != "not_found"
        return
    api.calls[-1].reads = True
    records: list[dict[str, JSON]] = []
    for name in (names if isinstance(names, list) else [])[:MAX_DKIM_SELECTORS]:
        try:
            answer = get(target + path("/{selector}", selector=name))
        except CallFailed as exc:
            exc.call.reads = True
            return
        api.calls[-1].reads = True
        if isinstance(answer, dict):
            records.append({str(field): answer.get(api_field) or "" for api_field, field in fields.items()})
    if not records:
        return
    where = Location(f"{report.calls[-1].method} {report.calls[-1].path}")
    try:
        report.facts[fact] = coerce(catalogue, fact, records, where)
    except InputError:
        report.warnings.append({"code": "field_unusable", "field": "dkim", "value": str(records)[:200]})
        return
    report.evidence[fact] = len(report.calls) - 1


# -- fields to facts ----------------------------------------------------------------------------------------

def _map(report: OvhReport, answer: dict[str, JSON], fields: Mapping[str, object], catalogue: Catalogue, index: int,
         what: str) -> None:
    """The answer's fields as facts (a later object wins: the diagnosis is read after the account)."""
    where = Location(f"{report.calls[index].method} {report.calls[index].path}")
    for api_field, specs in fields.items():
        if api_field not in answer or answer[api_field] is None:
            continue
        for spec in specs if isinstance(specs, list) else [specs]:
            if not isinstance(spec, dict):  # a mapping a writer retyped maps nothing
                continue
            if any(report.facts.get(name) != value for name, value in _section(spec, "when").items()):
                continue
            value: object = answer[api_field]
            if "values" in spec:
                values = spec["values"]
                if not isinstance(values, dict) or value not in values:
                    report.warnings.append({"code": "field_unusable", "field": f"{what}.{api_field}",
                                            "value": str(value)})
                    continue
                value = values[value]
                if value is None:  # a state that says nothing about this fact
                    continue
            if spec.get("invert") and isinstance(value, bool):
                value = not value
            name = spec["fact"]
            if not isinstance(name, str) or name not in catalogue:
                continue
            if catalogue[name].type == "records" and isinstance(value, str):
                value = [value]  # expectedAutodiscoverSRV is one record, written as zone files write SRV data
            try:
                report.facts[name] = coerce(catalogue, name, value, where)
            except InputError:  # a value the catalogue cannot read stays unknown, and is said
                report.warnings.append({"code": "field_unusable", "field": f"{what}.{api_field}", "value": str(value)})
                continue
            report.evidence[name] = index


def _check_age(report: OvhReport, last_check: JSON, now: datetime.datetime | None) -> None:
    if not isinstance(last_check, str):
        return
    try:
        when = datetime.datetime.fromisoformat(last_check.replace("Z", "+00:00"))
    except ValueError:
        return
    if when.tzinfo is None:
        when = when.astimezone()
    now = now or datetime.datetime.now(datetime.timezone.utc)
    age = now - when
    if age > STALE_AFTER:
        report.warnings.append({"code": "diagnostic_old", "hours": int(age.total_seconds() // 3600),
                                "last_check": last_check})
