"""Starting a new diagnostic (``--new``): POST the account's password, poll the task, then read the result.

The password goes in the POST body only: it is never stored on a record, never part of an error and never
echoed (the calls' evidence holds method and path, not bodies).  The task goes ``todo`` -> ``doing`` ->
``done`` (or ``error``); the real one takes 3-10 minutes, so the wait is bounded (``limit``) and a task
still running past it is "could not check" with its id, so that the user can look it up later.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..errors import InputError, Location
from .api import Api, CallFailed, OvhUnavailable, path, unavailable

#: Seconds between two reads of the task (the tests set it to almost nothing).
POLL_INTERVAL = 10.0
#: Default bound of the wait, in seconds: the real diagnostic takes up to about ten minutes.
DEFAULT_WAIT = 900.0
RUNNING = ("todo", "doing", "init")  # the API's statuses of a task not finished yet

#: Called after each read of the task: (task id, status, seconds waited so far).
Progress = Callable[[int | str, str, float], None]


@dataclass(frozen=True)
class NewDiagnosis:
    """What ``collect`` needs to start a new diagnostic before reading it."""

    password: str
    wait: float = DEFAULT_WAIT
    progress: Progress | None = None

    def __repr__(self) -> str:  # never the password, even in a traceback's locals or a debug print
        return f"NewDiagnosis(password=<hidden>, wait={self.wait!r})"


@dataclass(frozen=True)
class TaskResult:
    task_id: int | str
    status: str
    polls: int
    waited: float


def start(api: Api, account_path: str, password: str) -> int | str:
    """POST the diagnostic; the task's id.  A refused or failed POST raises ``CallFailed`` (no secret in it)."""
    if not password:
        raise InputError("ovh_empty_password", Location("--password-stdin"))
    answer = api.post(account_path + "/diagnostics", password=password)
    task_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(task_id, (int, str)):  # no id, or one that is neither a number nor a text
        api.calls[-1].outcome = "bad_answer"
        raise unavailable(api.calls[-1])
    return task_id


def wait(api: Api, account_path: str, task_id: int | str, *, limit: float, interval: float | None = None,
         progress: Progress | None = None) -> TaskResult:
    """Poll the task until it is done; ``OvhUnavailable`` if it ends in error or is still running past ``limit``."""
    interval = POLL_INTERVAL if interval is None else interval
    started = time.monotonic()
    target = account_path + path("/tasks/{id}", id=task_id)
    polls = 0
    while True:
        try:
            answer = api.get(target)
        except CallFailed as exc:
            raise unavailable(exc.call) from None
        polls += 1
        status = str(answer.get("status", "")) if isinstance(answer, dict) else ""
        waited = time.monotonic() - started
        if progress is not None:
            progress(task_id, status, waited)
        if status == "done":
            return TaskResult(task_id, status, polls, waited)
        if status not in RUNNING:  # error, cancelled, or anything the API adds later
            raise OvhUnavailable("ovh_task_failed", Location(target), task=task_id, status=status or "-")
        if waited + interval > limit:
            raise OvhUnavailable("ovh_task_timeout", Location(target), task=task_id, status=status,
                                 waited=int(round(waited)))
        time.sleep(interval)
