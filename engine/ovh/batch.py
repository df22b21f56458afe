"""Every account of a service (``diagnostica ovh --service S --all``): bounded threads, results in listing order.

The accounts are listed once; each is then collected and evaluated on its own ``Api`` (its own calls,
its own evidence) over a client per worker thread (the ``ovh`` client holds a ``requests`` session, which is
not meant to be shared between threads).  Results come out in the listing's order as soon as every earlier
one is ready.  What every account reads alike (the service, a domain and its DKIM selectors) is asked of
the API once for the batch (``api.SharedReads``) and shows in each account's calls, marked ``shared``.
An account that cannot be read becomes an error line; the rest goes on.  Keys that do not
work, or a service that does not exist, stop everything before the first account (it would fail for all).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Callable, Iterator

from ..errors import DiagnosticaError, Location
from ..inputs.jsonable import jsonable
from .api import Api, CallFailed, OvhError, SharedReads, unavailable
from .collect import accounts, base_path, collect, organization_of

if TYPE_CHECKING:
    from ..inputs.facts import JSON
    from ..kb.load import KnowledgeBase
    from ..kb.texts import RuleWords

DEFAULT_CONCURRENCY = 8
#: Far above what the API's rate limits allow anyway; a bound so that a typo does not open 10 000 threads.
MAX_CONCURRENCY = 64


def service_accounts(api: Api, service: str, *, organization: str | None = None, product: str | None = None,
                     shared: SharedReads | None = None) -> tuple[str, str | None, list[str]]:
    """(product, organization, the accounts in the API's order); the service must exist.  Its answer is kept
    in ``shared``, for the batch's accounts: none of them asks for the service again."""
    product = product or ("exchange" if organization else None)
    if product is None:  # a service name alone: Exchange if an organisation holds it, else Email Pro
        try:
            organization, product = organization_of(api, service), "exchange"
        except OvhError:
            product = "pro"
    elif product == "exchange" and organization is None:
        organization = organization_of(api, service)
    base = base_path(product, organization, service)
    try:
        answer = api.get(base)
    except CallFailed as exc:
        if exc.call.outcome == "not_found":
            raise OvhError("ovh_service_not_found", Location("--service"), service=service,
                           where=f"{product} {organization or ''}".strip()) from None
        if exc.call.outcome == "refused":
            raise OvhError("ovh_listing_refused", Location(f"GET {base}"), call=f"GET {base}",
                           status=exc.call.status or "-", code=exc.call.error_code or "-") from None
        raise unavailable(exc.call) from None
    if shared is not None:
        shared.keep(api.calls[-1], answer)
    return product, organization, accounts(api, base)


def run_all(connect: Callable[[], Api], emails: list[str], kb: KnowledgeBase, renderer: RuleWords, *, product: str,
            organization: str | None, service: str, concurrency: int = DEFAULT_CONCURRENCY,
            progress: Callable[[int, int], None] | None = None,
            shared: SharedReads | None = None) -> Iterator[dict[str, JSON]]:
    """One result per account, in the order of ``emails``; ``connect()`` makes a worker thread's client.

    What the accounts have in common (the service, a domain, its DKIM selectors) is read once for the whole
    batch, through ``shared`` (one is made when none is given): fifty accounts of one domain cost the API
    two calls each, their account and its diagnosis, besides those few."""
    shared = SharedReads() if shared is None else shared
    local = threading.local()
    titles: dict[str, str] = {}
    lock = threading.Lock()

    def title(rule_id: str) -> str:
        with lock:  # rendered once per rule for the whole batch
            if rule_id not in titles:
                titles[rule_id] = renderer.rule_title(rule_id)
            return titles[rule_id]

    def one(item: tuple[int, str]) -> dict[str, JSON]:
        index, email = item
        try:
            if not hasattr(local, "api"):
                local.api = connect()
            api = Api(local.api.client, local.api.endpoint, retries=local.api.retries, backoff=local.api.backoff,
                      skew=local.api.skew)
            report = collect(api, email, kb.catalogue, kb.data, organization=organization, service=service,
                             product=product, shared=shared)
            result = kb.evaluate(report.facts)
        except DiagnosticaError as exc:
            return {"index": index, "email": email, "status": "error", "code": exc.code,
                    "error": exc.render(renderer.texts)}
        except Exception as exc:  # noqa: BLE001 - one account's surprise must not stop the batch
            return {"index": index, "email": email, "status": "error", "code": "internal",
                    "error": f"{type(exc).__name__}: {exc}"}
        status = "problems" if result.problems_found else "unchecked" if report.failed else "ok"
        return {"index": index, "email": email, "status": status,
                "findings": [{"id": f.id, "severity": f.severity, "title": title(f.id)} for f in result.findings],
                "facts": jsonable(result.facts), "ovh": report.to_json()}

    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ovh-all")
    try:
        for done, line in enumerate(pool.map(one, enumerate(emails, start=1)), start=1):
            if progress is not None:
                progress(done, len(emails))
            yield line
    finally:  # Ctrl-C or a closed pipe: drop the accounts not started rather than wait for all of them
        pool.shutdown(wait=False, cancel_futures=True)
