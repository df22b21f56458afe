"""A thin layer over the official ``ovh`` client: endpoint and keys as the library reads them, every call
recorded as evidence, and its failures sorted into what the user can fix and what is only "could not check".

Keys come from the environment (``OVH_APPLICATION_KEY``, ``OVH_APPLICATION_SECRET``, ``OVH_CONSUMER_KEY``)
or ``ovh.conf`` (``./ovh.conf``, ``~/.ovh.conf``, ``/etc/ovh.conf``), the section named after the endpoint,
exactly as ``ovh.Client`` does.  The endpoint is a library name (``ovh-eu``, ``ovh-ca``, ...) or a URL
(``http://127.0.0.1:8080/1.0``), from ``--endpoint``, ``OVH_ENDPOINT`` or the file's ``[default]``.

No secret ever leaves this module: errors carry a message code, the HTTP status and the API's
``errorCode``, never the library's message (which may quote a key) nor the server's.
"""
from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Protocol, TypeVar
from urllib.parse import quote

from ..errors import DiagnosticaError, Location
from ..kb.catalogue import closest

if TYPE_CHECKING:
    from ..inputs.facts import JSON

DEFAULT_ENDPOINT = "ovh-eu"

T = TypeVar("T")


class Client(Protocol):
    """What is used of ``ovh.Client`` (the library has no type information of its own)."""

    @property
    def time_delta(self) -> int: ...  # the API's clock minus the local one; reads /auth/time the first time

    def call(self, method: str, path: str, data: dict[str, JSON] | None = None, need_auth: bool = True) -> JSON: ...


class Configuration(Protocol):
    """What is used of the library's ``ovh.conf`` reader (``ovh.config.ConfigurationManager``)."""

    def get(self, section: str, name: str) -> str | None: ...

    def read(self, config_file: str) -> None: ...


#: Attempts after the first for a call that could not be answered (5xx, timeout, network), and the first wait.
RETRIES = 2
BACKOFF = 0.5
#: Seconds between the local clock and the API's (``/auth/time``) past which a refused signature is put
#: down to the clock rather than to the application secret.  The library corrects the timestamps by the
#: difference it measured, so a skew only shows when the API's clocks disagree or the local one jumps.
MAX_SKEW = 30

#: The API's 403 codes that mean "the keys are wrong", not "this call is not allowed".
CREDENTIAL_CODES = {"INVALID_CREDENTIAL": "ovh_invalid_credential", "INVALID_SIGNATURE": "ovh_invalid_signature",
                    "INVALID_KEY": "ovh_invalid_key", "NOT_CREDENTIAL": "ovh_not_credential"}


class OvhError(DiagnosticaError):
    """Keys, endpoint or account not usable: one line, exit code 2."""


class OvhUnavailable(DiagnosticaError):
    """The API could not answer (down, slow, 5xx): could not check, never a misconfiguration."""

    exit_code = 1


@dataclass
class Call:
    """One API call as evidence: what was asked, when, how it ended."""

    method: str
    path: str
    at: str
    outcome: str = "ok"  # ok, refused, not_found, unavailable, timeout, bad_answer, clock_skew
    status: int | None = None
    error_code: str | None = None
    duration_ms: int = 0
    attempts: int = 1
    reads: bool = False  # a read of the account's objects (not a listing that only searched)
    shared: bool = False  # made once for a batch, by another account's collection (see SharedReads)

    def to_json(self) -> dict[str, JSON]:
        return {"method": self.method, "path": self.path, "at": self.at, "outcome": self.outcome,
                "status": self.status, "error_code": self.error_code, "duration_ms": self.duration_ms,
                "attempts": self.attempts, "reads": self.reads, "shared": self.shared}


class CallFailed(Exception):
    """A call that ended without an answer to use; ``call`` says how (no secret in it)."""

    def __init__(self, call: Call) -> None:
        self.call = call
        super().__init__(f"{call.method} {call.path}: {call.outcome} {call.status or ''} {call.error_code or ''}")


def path(template: str, **parts: object) -> str:
    """An API path with its parts quoted (an address's @ stays readable, as the API accepts it)."""
    return template.format(**{k: quote(str(v), safe="@") for k, v in parts.items()})


@dataclass
class Api:
    """An ``ovh.Client`` whose calls are recorded in ``calls``."""

    client: Client
    endpoint: str
    calls: list[Call] = field(default_factory=list)
    retries: int = RETRIES
    backoff: float | None = None
    skew: int | None = None  # the API's clock minus the local one, in seconds (from /auth/time)

    def get(self, target: str) -> JSON:
        return self.call("GET", target)

    def post(self, target: str, **body: JSON) -> JSON:
        return self.call("POST", target, body or None)

    def clock(self) -> int:
        """Read ``/auth/time`` (unsigned) as the library does before its first signed call, recorded and retried
        like any read, so that its failure is named as such; returns the API's clock minus the local one."""
        import ovh.exceptions as oe

        def measure() -> int:
            try:
                return int(self.client.time_delta)
            except (TypeError, ValueError):  # an answer that is not a number of seconds
                raise oe.InvalidResponse("/auth/time is not a time") from None

        self.skew = self.recorded("GET", "/auth/time", measure)
        return self.skew

    def call(self, method: str, target: str, body: dict[str, JSON] | None = None) -> JSON:
        """One signed call of the API, recorded in ``calls``."""
        return self.recorded(method, target, lambda: self.client.call(method, target, body, True))

    def recorded(self, method: str, target: str, send: Callable[[], T]) -> T:
        """``send()`` as the call ``method target``: recorded, retried if a read, its failure sorted."""
        import ovh.exceptions as oe

        record = Call(method, target, datetime.datetime.now().astimezone().isoformat(timespec="seconds"))
        self.calls.append(record)
        started = time.monotonic()
        wait = BACKOFF if self.backoff is None else self.backoff
        # Only reads are retried: a POST that timed out may have started its task, and a second one would too.
        retries = self.retries if method == "GET" else 0
        try:
            for attempt in range(retries + 1):
                record.attempts = attempt + 1
                # A retry that is answered is an answer: nothing of the failed attempts stays on the record.
                record.outcome, record.status, record.error_code = "ok", None, None
                try:
                    return send()
                except (oe.HTTPError, oe.NetworkError) as exc:
                    cause = exc.args[1] if len(exc.args) > 1 else None
                    record.outcome = "timeout" if "Timeout" in type(cause).__name__ else "unavailable"
                    record.status = None
                except oe.InvalidResponse:
                    record.outcome, record.status = "bad_answer", None
                except oe.APIError as exc:
                    response = getattr(exc, "response", None)
                    record.status = getattr(response, "status_code", None)
                    record.error_code = _error_code(response)
                    if record.error_code == "INVALID_SIGNATURE" and abs(self.skew or 0) > MAX_SKEW:
                        record.outcome = "clock_skew"
                        raise OvhUnavailable("ovh_clock_skew", Location(self.endpoint), seconds=abs(self.skew or 0),
                                             call=f"{method} {target}") from None
                    if record.status == 403 and record.error_code in CREDENTIAL_CODES:
                        raise OvhError(CREDENTIAL_CODES[record.error_code], Location(self.endpoint)) from None
                    if isinstance(exc, oe.InvalidKey) and response is None:  # the library's own check: no key
                        raise OvhError("ovh_missing_keys", Location(self.endpoint), missing="consumer_key",
                                       endpoint_section=self.endpoint) from None
                    if record.status == 404:
                        record.outcome = "not_found"
                        raise CallFailed(record) from None
                    if record.status is not None and record.status < 500:
                        record.outcome = "refused"  # 403 NOT_GRANTED_CALL, 400, 409, 460...
                        raise CallFailed(record) from None
                    record.outcome = "unavailable"
                if attempt < retries:
                    time.sleep(wait * 2 ** attempt)
            raise CallFailed(record)
        finally:
            record.duration_ms = int((time.monotonic() - started) * 1000)
            if record.outcome == "ok":
                record.status = record.status or 200


class SharedReads:
    """The answers a batch's accounts have in common (their service, their domain and its DKIM selectors),
    each asked of the API once, by the first account that needs it, whichever thread it runs on.

    Every other account's ``Api`` records the same call again, marked ``shared``: its report still names
    the call each of its facts came from.  Only answers are kept: a call that failed is asked again by the
    next account (a timeout for one is not a verdict for fifty), so a failure is never shared.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._kept: dict[str, tuple[Call, JSON]] = {}

    def keep(self, call: Call, answer: JSON) -> None:
        """An answer to share: one read before the batch started (the service, which the listing checks
        exists), or the first account's."""
        with self._guard:
            self._kept[call.path] = (replace(call, reads=False), answer)

    def get(self, api: Api, target: str) -> JSON:
        """``api.get(target)``, or the answer another account had, recorded in ``api.calls`` as shared."""
        with self._guard:
            lock = self._locks.setdefault(target, threading.Lock())
        with lock:  # the accounts that need it while it is asked wait for its answer rather than ask too
            kept = self._kept.get(target)
            if kept is None:
                answer = api.get(target)  # CallFailed: nothing kept
                self.keep(api.calls[-1], answer)
                return answer
        call, answer = kept
        api.calls.append(replace(call, shared=True))
        return answer


class _Response(Protocol):
    """What is read of the ``requests`` response an API error carries."""

    def json(self) -> JSON: ...


def _error_code(response: _Response | None) -> str | None:
    try:
        answer = response.json() if response is not None else None
    except (ValueError, AttributeError):
        return None
    code = answer.get("errorCode") if isinstance(answer, dict) else None  # not a mapping: no code either
    return code if isinstance(code, str) else None


def resolve_endpoint(endpoint: str | None, configuration: Configuration | None = None) -> tuple[str, str]:
    """(section name for the keys, base URL) from a library name or a URL."""
    import ovh.client

    configuration = configuration or _configuration()
    name = (endpoint or configuration.get("default", "endpoint") or DEFAULT_ENDPOINT).strip()
    if name in ovh.client.ENDPOINTS:
        return name, ovh.client.ENDPOINTS[name]
    if name.startswith(("http://", "https://")):
        return name, name.rstrip("/")
    raise OvhError("ovh_bad_endpoint", Location("--endpoint"), endpoint=name,
                   available=", ".join(ovh.client.ENDPOINTS), suggestion=closest(name, list(ovh.client.ENDPOINTS)))


def _configuration() -> Configuration:
    from ovh import config

    found: Configuration = config.ConfigurationManager() if hasattr(config, "ConfigurationManager") else config.config
    return found


KEY_NAMES = ("application_key", "application_secret", "consumer_key")


def connect(endpoint: str | None = None, *, timeout: float = 30.0, config_file: str | None = None) -> Api:
    """An :class:`Api` for the endpoint, with the keys the ``ovh`` library would use; checks they are there."""
    import ovh

    configuration = _configuration()
    if config_file is not None:
        configuration.read(config_file)
    section, url = resolve_endpoint(endpoint, configuration)
    keys = {name: configuration.get(section, name) for name in KEY_NAMES}
    missing = [name for name in KEY_NAMES if not keys[name]]
    if missing:
        raise OvhError("ovh_missing_keys", Location(section), missing=", ".join(missing), endpoint_section=section)
    try:
        # Any library name will do: the keys are given, and the URL is set below (the library knows only names).
        client = ovh.Client(endpoint=DEFAULT_ENDPOINT, timeout=timeout, **keys)
    except ovh.exceptions.APIError:
        raise OvhError("ovh_missing_keys", Location(section), missing=", ".join(KEY_NAMES),
                       endpoint_section=section) from None
    client._endpoint = url
    api = Api(client, section)
    try:
        api.clock()
    except CallFailed as exc:  # /auth/time unanswered or refused: no signed call could be checked
        raise unavailable(exc.call) from None
    return api


def unavailable(call: Call) -> OvhUnavailable:
    # The outcome in the reader's words (``problem_key``: errors.py looks it up when the message is phrased).
    return OvhUnavailable("ovh_unavailable", Location(call.path), call=f"{call.method} {call.path}",
                          problem=call.outcome, problem_key=f"ovh.outcome.{call.outcome}", status=call.status or "-")
