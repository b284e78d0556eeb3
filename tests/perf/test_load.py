"""The load runner (``bench/load.py``) for a few seconds, a few users, a tiny data set: its report
has the figures bench/README.md shows, no request failed, and no agent or property was booked twice.

The runner starts the production server itself, on a SQLite file of its own: this runs on the
SQLite run of the suite only (the PostgreSQL figures come from the benchmark itself).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realty_crm.testing.fixtures import TEST_DB_ENV

pytestmark = pytest.mark.skipif(bool(os.environ.get(TEST_DB_ENV)), reason="the runner serves SQLite itself")

RUNNER = Path(__file__).resolve().parents[2] / "bench" / "load.py"
OPERATIONS = {
    "agent: prospect list", "agent: prospect search", "agent: prospect page", "agent: dashboard",
    "agent: log a call", "agent: book a visit", "manager: reports", "manager: dashboard",
    "manager: agent workload", "manager: book a visit", "visitor: open form", "visitor: send enquiry",
}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A 6-second run of 6 users (4 agents, a manager, a visitor) on a thousandth of SPEC §7's set."""
    out = tmp_path_factory.mktemp("load") / "load.json"
    run = subprocess.run(
        [sys.executable, str(RUNNER), "--scale", "0.001", "--users", "6", "--duration", "6",
         "--think", "0.1", "0.6", "--out", str(out)],
        timeout=120, capture_output=True, text=True,
    )
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(out.read_text())


def test_the_report_has_the_rate_and_the_p95_of_every_operation(report):
    run = report["runs"]["sqlite"]
    assert report["users"] == 6 and report["duration_s"] == 6
    assert run["users"] == {"agent": 4, "manager": 1, "visitor": 1}
    assert run["requests_per_second"] > 0
    assert set(run["operations"]) >= OPERATIONS, "every kind of step was taken at least once"
    for figures in run["operations"].values():
        assert figures["requests"] > 0 and 0 < figures["median_ms"] <= figures["p95_ms"]


def test_no_request_failed_and_nothing_was_booked_twice(report):
    run = report["runs"]["sqlite"]
    assert run["errors"] == 0, run["error_samples"]
    assert run["server_tracebacks"] == 0
    assert run["double_bookings"]["same_agent"] == 0
    assert run["double_bookings"]["same_property"] == 0
    assert run["double_bookings"]["booked_during_run"] > 0, "visits were booked during the run"


def test_only_the_expected_answer_counts_as_success(bench_load):
    """A taken slot is a refusal the booking form may give; any other status, or none, is an error."""
    recorder, started = bench_load.Recorder(), time.perf_counter()
    booked, taken, failed = (bench_load.Answer(status, b"", 1.0, None) for status in (302, 409, 500))
    assert recorder.note("agent: book a visit", booked, (302,), started)
    assert recorder.note("agent: book a visit", taken, (302,), started)
    assert not recorder.note("agent: book a visit", failed, (302,), started)
    assert not recorder.note("agent: log a call", taken, (302,), started)
    assert not recorder.note("agent: prospect list", None, (200,), started)
    recorder.took("agent: sign in", started)
    report = recorder.report(seconds=2.0)
    assert report["errors"] == 3 and report["slot_taken"] == 1
    assert report["error_samples"]["agent: book a visit"] == ["HTTP 500"]
    assert report["error_samples"]["agent: prospect list"] == ["no answer"]
    assert report["requests"] == 5 and report["requests_per_second"] == 2.5, "sign-ins are not in the rate"
    assert report["operations"]["agent: book a visit"]["requests"] == 3
