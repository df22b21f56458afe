"""«Abbonamento scaduto» and «account sospeso» are one panel check (the API's isSuspended): one fact."""
from __future__ import annotations

import pytest

from conftest import run_cli


@pytest.mark.parametrize("fact", ["account.suspended=true", "account.expired=true", "isSuspended=true"])
def test_every_name_of_the_check_gives_the_same_finding(fact):
    run = run_cli("check", "--fact", fact, "--format", "json")
    assert run.code == 1, run.err
    assert [f["id"] for f in run.json()["findings"]] == ["account-expired"]
    assert run.json()["facts"]["account.suspended"] is True


def test_both_names_in_one_file_are_the_same_fact_given_twice(write):
    path = write("f.yaml", "account.expired: true\naccount:\n  suspended: true\n")
    run = run_cli("check", str(path))
    assert run.code == 2 and f"{path}:3:" in run.err


def test_ask_asks_the_check_once(write):
    run = run_cli("ask", "--problem", "invio", "--answers", str(write("a.txt", "no\n" * 10)), "--format", "json")
    asked = [step["fact"] for step in run.json()["transcript"] if "fact" in step]
    assert asked.count("account.suspended") == 1 and "account.expired" not in asked
