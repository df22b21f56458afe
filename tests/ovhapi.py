"""A loopback fake of the OVHcloud API for the tests: a real HTTP server on 127.0.0.1 (a free port).

It serves ``/auth/time`` and checks every signed call as the real API does: the application key, the
consumer key and ``X-Ovh-Signature`` = ``"$1$" + sha1(AS+"+"+CK+"+"+METHOD+"+"+FULL_URL+"+"+BODY+"+"+TS)``
(403 INVALID_KEY, INVALID_CREDENTIAL, INVALID_SIGNATURE otherwise).  The accounts below are in the states
the tests need; ``faults`` maps a path to a failure (403 refused, 500, slow).
"""
from __future__ import annotations

import copy
import datetime
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

AK = "fakeAppKey0001"
AS = "fakeAppSecretS3cr3t9x"
CK = "fakeConsumerK3yQz7"
ORG, SERVICE, PRO = "hosted-zz111", "hosted-zz111-1", "pro-zz222"
#: The accounts' password for a new diagnostic (POST .../diagnostics); any other is refused with 400.
PASSWORD = "Acc0unt-P4ss!word"
#: The statuses a new diagnostic's task goes through, one per read of the task (the last one repeats).
TASK_STEPS = ("todo", "doing", "done")


def _now(hours: float = 0) -> str:
    return (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=hours)).isoformat(
        timespec="seconds")


def diagnosis(**bad) -> dict:
    healthy = {"isSpammer": False, "isSuspended": False, "isLocked": False, "connectiveOWA": True,
               "isMxValid": True, "canReceiveEmail": True, "isSrvValid": True, "canSendEmail": True,
               "lastCheck": _now(1)}
    healthy.update(bad)
    return healthy


def account(email: str, **extra) -> dict:
    return {"primaryEmailAddress": email, "domain": email.split("@")[1], "state": "ok",
            "spamDetected": False, "spamTicketNumber": None, **extra}


def domain(name: str, **extra) -> dict:
    return {"name": name, "state": "ok", "mxIsValid": True, "srvIsValid": True, "spfIsValid": True,
            "mxRecord": ["mx0.mail.ovh.net", "mx1.mail.ovh.net"], "srvRecord": ["0 0 443 ex5.mail.ovh.net"],
            "spfRecord": ["v=spf1 include:mx.ovh.com ~all"],
            "expectedMX": ["mx0.mail.ovh.net", "mx1.mail.ovh.net", "mx2.mail.ovh.net"],
            "expectedSPF": "v=spf1 include:mx.ovh.com ~all", "expectedAutodiscoverSRV": "0 0 443 ex5.mail.ovh.net",
            **extra}


def default_state() -> dict:
    """{(product, org, service): {"service": obj, "accounts": {email: (account, diagnosis|None)}, "domains": {}}}"""
    exchange = {
        "service": {"domain": SERVICE, "offer": "hosted", "hostname": "ex5.mail.ovh.net", "state": "ok",
                    "lockoutThreshold": 10, "lockoutDuration": 45, "lockoutObservationWindow": 30},
        "accounts": {
            "info@example.it": (account("info@example.it"), diagnosis()),
            "spam@example.it": (account("spam@example.it", spamDetected=True, spamTicketNumber="7654321"),
                                diagnosis(isSpammer=True, canSendEmail=False)),
            "locked@example.it": (account("locked@example.it"), diagnosis(isLocked=True, connectiveOWA=False)),
            "sospeso@example.it": (account("sospeso@example.it", state="suspended"), diagnosis(isSuspended=True)),
            "info@mxwrong.it": (account("info@mxwrong.it"), diagnosis(isMxValid=False, canReceiveEmail=False)),
            "info@srvwrong.it": (account("info@srvwrong.it"), diagnosis(isSrvValid=False)),
            "info@spfwrong.it": (account("info@spfwrong.it"), diagnosis()),  # only the domain's check says it
            "nuovo@example.it": (account("nuovo@example.it"), None),
            "chiuso@example.it": (account("chiuso@example.it", state="suspended"), None),  # only its state says it
            "vecchio@example.it": (account("vecchio@example.it"), diagnosis(lastCheck=_now(72))),
            "refused@example.it": (account("refused@example.it"), diagnosis(isLocked=True)),
            "down@example.it": (account("down@example.it"), diagnosis(isLocked=True)),
            "slow@example.it": (account("slow@example.it"), diagnosis(isLocked=True)),
            "both@example.it": (account("both@example.it"), diagnosis()),
        },
        "domains": {
            "example.it": domain("example.it"),
            "mxwrong.it": domain("mxwrong.it", mxIsValid=False, mxRecord=["mail.altrove.net"]),
            "srvwrong.it": domain("srvwrong.it", srvIsValid=False, srvRecord=["0 0 443 mail.altrove.net"]),
            "spfwrong.it": domain("spfwrong.it", spfIsValid=False, spfRecord=["v=spf1 include:altrove.example ~all"]),
        },
    }
    pro = {
        "service": {"domain": PRO, "hostname": "pro1.mail.ovh.net", "state": "ok",
                    "lockoutThreshold": 5, "lockoutDuration": 15, "lockoutObservationWindow": 10},
        "accounts": {
            "pro@example.org": (account("pro@example.org"), {**diagnosis(), "connectiveWebmail": True}),
            "both@example.it": (account("both@example.it"), diagnosis()),
        },
        "domains": {"example.org": domain("example.org"), "example.it": domain("example.it")},
    }
    return {("exchange", ORG, SERVICE): exchange, ("pro", None, PRO): pro}



class _QuietServer(ThreadingHTTPServer):
    """A client that gave up (the timeout tests) is no server error: socketserver would print its
    traceback to stderr, into whichever test's captured output is running then."""

    def handle_error(self, request, client_address):
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)

class FakeOvh:
    def __init__(self) -> None:
        self.state = default_state()
        self.faults: dict[str, tuple] = {}  # path (unquoted, without /1.0) -> ("status", code, errorCode) or ("slow", s)
        self.seen: list[tuple[str, str]] = []  # (method, path) of every call
        self.bad_signatures = 0
        self.delay = 0.0  # seconds before every answer: a stand-in for the API's round trip (benchmarks)
        self.steps: dict[str, tuple[str, ...]] = {}  # email -> the statuses of its next task (else TASK_STEPS)
        self.frozen: set[str] = set()  # emails whose diagnosis a finished task leaves as it was (lastCheck too)
        self.tasks: dict[int, dict] = {}  # id -> {"email", "steps", "reads", "found"}
        self.bodies: list[str] = []  # the raw bodies of the POSTs, to check what was sent
        self.skew = 0  # seconds /auth/time adds to the server's real clock (the one signatures are checked on)
        self.time_fault: tuple | None = None  # how /auth/time fails: (500, None), ("garbage", None)...
        self.fault(self._account_path("refused@example.it") + "/diagnostics", 403, "NOT_GRANTED_CALL")
        self.fault(self._account_path("down@example.it") + "/diagnostics", 500, None)
        self.fault(self._account_path("slow@example.it") + "/diagnostics", "slow", 3.0)
        self.server = _QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # serve_forever polls for shutdown every poll_interval (0.5 s by default): each module's
        # teardown would wait that long for nothing
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.01},
                                       daemon=True)

    @staticmethod
    def _account_path(email: str) -> str:
        return f"/email/exchange/{ORG}/service/{SERVICE}/account/{email}"

    def fault(self, path: str, kind, detail) -> None:
        self.faults[path] = (kind, detail)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/1.0"

    def __enter__(self) -> "FakeOvh":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing ---------------------------------------------------------------------------------------
    def reset(self) -> None:
        """The accounts and tasks as they were (for the tests that start diagnostics)."""
        self.state, self.steps, self.frozen, self.tasks = default_state(), {}, set(), {}

    def route(self, method: str, path: str, body: str = "") -> tuple[int, object]:
        parts = [unquote(p) for p in path.strip("/").split("/")]
        if parts[:2] == ["email", "exchange"]:
            services = {(o, s): v for (p, o, s), v in self.state.items() if p == "exchange"}
            if len(parts) == 2:
                return 200, sorted({o for o, _ in services})
            org, rest = parts[2], parts[3:]
            if not any(o == org for o, _ in services):
                return 404, {"message": f"The requested object (organizationName = {org}) does not exist"}
            if rest == ["service"]:
                return 200, sorted(s for o, s in services if o == org)
            if len(rest) < 2 or rest[0] != "service" or (org, rest[1]) not in services:
                return 404, {"message": "The requested object does not exist"}
            return self._service(services[(org, rest[1])], rest[2:], method, body)
        if parts[:2] == ["email", "pro"]:
            services = {s: v for (p, _, s), v in self.state.items() if p == "pro"}
            if len(parts) == 2:
                return 200, sorted(services)
            if parts[2] not in services:
                return 404, {"message": "The requested object does not exist"}
            return self._service(services[parts[2]], parts[3:], method, body)
        return 404, {"message": "Got an invalid (or empty) URL"}

    def _service(self, service: dict, rest: list[str], method: str = "GET", body: str = "") -> tuple[int, object]:
        if method == "POST":
            if rest[0:1] == ["account"] and rest[2:] == ["diagnostics"] and rest[1] in service["accounts"]:
                return self._start(service, rest[1], body)
            return 404, {"message": "Got an invalid (or empty) URL"}
        if not rest:
            return 200, service["service"]
        if rest == ["account"]:
            return 200, sorted(service["accounts"])
        if rest[0] == "account" and len(rest) >= 2:
            found = service["accounts"].get(rest[1])
            if found is None:
                return 404, {"message": f"The requested object (primaryEmailAddress = {rest[1]}) does not exist"}
            if len(rest) == 2:
                return 200, found[0]
            if rest[2] == "tasks" and len(rest) == 4:
                return self._task(service, rest[1], rest[3])
            if rest[2:] == ["diagnostics"]:
                if found[1] is None:
                    return 404, {"message": "No diagnostic for this account"}
                return 200, found[1]
        if rest[0] == "domain" and len(rest) in (3, 4) and rest[2] == "dkim" and rest[1] in service["domains"]:
            selectors = service.get("dkim", {}).get(rest[1], {})  # domain -> {selectorName: email.exchange.dkim}
            if len(rest) == 3:
                return 200, sorted(selectors)
            if rest[3] in selectors:
                return 200, selectors[rest[3]]
            return 404, {"message": "The requested object does not exist"}
        if rest[0] == "domain" and len(rest) == 2:
            found = service["domains"].get(rest[1])
            return (200, found) if found else (404, {"message": "The requested object does not exist"})
        return 404, {"message": "Got an invalid (or empty) URL"}

    def _start(self, service: dict, email: str, body: str) -> tuple[int, object]:
        try:
            password = json.loads(body or "{}").get("password")
        except ValueError:
            password = None
        if password != PASSWORD:
            return 400, {"message": "Invalid password for this account"}  # as the API: the password is not quoted
        task_id = 1000 + len(self.tasks)
        self.tasks[task_id] = {"email": email, "steps": self.steps.get(email, TASK_STEPS), "reads": 0,
                               "service": service}
        return 200, {"id": task_id, "function": "diagnoseAccount", "status": "todo", "todoDate": _now()}

    def _task(self, service: dict, email: str, task_id: str) -> tuple[int, object]:
        task = self.tasks.get(int(task_id)) if task_id.isdigit() else None
        if task is None or task["email"] != email or task["service"] is not service:
            return 404, {"message": f"The requested object (id = {task_id}) does not exist"}
        status = task["steps"][min(task["reads"], len(task["steps"]) - 1)]
        task["reads"] += 1
        if status == "done" and task["reads"] == task["steps"].index("done") + 1 and email not in self.frozen:
            account_object, old = service["accounts"][email]
            service["accounts"][email] = (account_object, {**(old or diagnosis()), "lastCheck": _now()})
        return 200, {"id": int(task_id), "function": "diagnoseAccount", "status": status}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the real API: one connection per client, not per call
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for the ACK between

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path = urlsplit(self.path).path
                if not path.startswith("/1.0/"):
                    return self._send(404, {"message": "Got an invalid (or empty) URL"})
                api_path = path[len("/1.0"):]
                if api_path == "/auth/time":
                    if fake.time_fault is None or not self._fault(*fake.time_fault):
                        self._send(200, int(time.time()) + fake.skew)
                    return None
                fake.seen.append((method, unquote(api_path)))
                if method == "POST":
                    fake.bodies.append(body)
                if self.headers.get("X-Ovh-Application") != AK:
                    return self._send(403, {"errorCode": "INVALID_KEY", "message": "Invalid application key"})
                consumer = self.headers.get("X-Ovh-Consumer")
                if not consumer:
                    return self._send(403, {"errorCode": "NOT_CREDENTIAL", "message": "You must login first"})
                if consumer != CK:
                    return self._send(403, {"errorCode": "INVALID_CREDENTIAL", "message": "This credential does not exist"})
                stamp = self.headers.get("X-Ovh-Timestamp", "")
                full_url = f"http://{self.headers['Host']}{self.path}"
                expected = "$1$" + hashlib.sha1("+".join([AS, CK, method, full_url, body, stamp]).encode()).hexdigest()
                if self.headers.get("X-Ovh-Signature") != expected or abs(int(stamp or 0) - time.time()) > 60:
                    fake.bad_signatures += 1
                    return self._send(403, {"errorCode": "INVALID_SIGNATURE", "message": "Invalid signature"})
                if fake.delay:
                    time.sleep(fake.delay)
                fault = fake.faults.get(unquote(api_path))
                if fault and self._fault(*fault):
                    return
                status, answer = fake.route(method, api_path, body)
                self._send(status, answer)

            def _fault(self, kind, detail) -> bool:
                """Answer as the fault says; False when the call goes on (slow, or a flaky call's good turn)."""
                if kind == "slow":
                    time.sleep(detail)
                    return False
                if kind == "flaky":  # detail: a list of how many failures are left, shared by the calls
                    if not detail or detail[0] <= 0:
                        return False
                    detail[0] -= 1
                    kind, detail = 502, None
                if kind == "garbage":  # a proxy's page instead of JSON
                    data = b"<html>Bad gateway</html>"
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif detail:
                    self._send(kind, {"errorCode": detail, "message": "This call has not been granted"})
                else:
                    self._send(kind, {"message": "Internal server error"})
                return True

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        return Handler


def environment(url: str, **override) -> dict[str, str]:
    """The environment variables the ovh library reads, for the fake."""
    env = {"OVH_ENDPOINT": url, "OVH_APPLICATION_KEY": AK, "OVH_APPLICATION_SECRET": AS, "OVH_CONSUMER_KEY": CK}
    env.update(override)
    return {k: v for k, v in env.items() if v is not None}


def use_fake(fake: "FakeOvh", monkeypatch, folder) -> None:
    """Point the ovh library at the fake: its keys from the environment, no ovh.conf of the machine
    running the tests (nor one in the working folder), no wait between retries."""
    import ovh.config
    from diagnostica.engine.ovh import api as ovhapi

    monkeypatch.setattr(ovh.config, "CONFIG_PATH", [])
    monkeypatch.chdir(folder)
    for name in ("OVH_ENDPOINT", "OVH_APPLICATION_KEY", "OVH_APPLICATION_SECRET", "OVH_CONSUMER_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment(fake.url).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ovhapi, "BACKOFF", 0.0)


def state_copy() -> dict:
    return copy.deepcopy(default_state())
