"""``realty-crm scheduler``: real processes on the test database (only one runs jobs, the
other waits and takes over when the first is killed, SIGTERM stops it cleanly) and
``--once`` in process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from realty_crm.extensions import db
from realty_crm.scheduler import lock_for
from realty_crm.services import accounts, plugins

from .conftest import PLUGIN, Recorder, wait_until

HERE = Path(__file__).resolve().parent
COMMAND = [str(Path(sys.executable).with_name("realty-crm")), "scheduler"]


class Process:
    """A ``realty-crm scheduler`` process, its output in a file."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        self.popen = subprocess.Popen(COMMAND, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def said(self, fragment: str) -> bool:
        return fragment in self.log.read_text(encoding="utf-8", errors="replace")

    def end(self) -> None:
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(timeout=20)
        self._out.close()


@pytest.fixture
def probe_env(app, database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a scheduler process with the probe plugin, enabled in an agency."""
    # the app of the test has a plugin called "probe" too, so it can be enabled here
    plugins.set_enabled(None, accounts.create_agency("Inmobiliaria Ñandú", "nandu", "Europe/Madrid"),
                        PLUGIN, True)
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "import probe_plugin\nEXTRA_PLUGINS = [(probe_plugin, 'probe')]\n", encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("REALTY_CRM_")}
    env.update({
        "REALTY_CRM_DATABASE_URL": database_url,
        "REALTY_CRM_INSTANCE_PATH": str(instance),
        "REALTY_CRM_PLUGINS_AUTOLOAD": "false",
        "REALTY_CRM_SCHEDULER_POLL_SECONDS": "0.2",
        "PYTHONPATH": os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
        "PROBE_FILE": str(tmp_path / "pids"),
    })
    return env


@pytest.fixture
def processes(probe_env: dict[str, str], tmp_path: Path) -> Iterator[list[Process]]:
    """Start scheduler processes with ``processes.append(...)``; all are killed at the end."""
    started: list[Process] = []
    yield started
    for process in started:
        process.end()


def _pids(tmp_path: Path) -> list[int]:
    path = tmp_path / "pids"
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def test_of_two_scheduler_processes_one_runs_jobs_and_the_other_takes_over_when_it_dies(
    probe_env, processes, tmp_path
):
    first = Process(probe_env, tmp_path / "first.log")
    processes.append(first)
    wait_until(lambda: first.said("Scheduler running"), timeout=60, what="the first scheduler")
    second = Process(probe_env, tmp_path / "second.log")
    processes.append(second)
    wait_until(lambda: second.said("Another scheduler holds the lock"), timeout=60,
               what="the second scheduler to find the lock taken")
    assert second.said(f"pid {first.pid} ")  # it says who holds the lock
    wait_until(lambda: _pids(tmp_path).count(first.pid) >= 2, what="two runs of the job by the first")
    assert second.pid not in _pids(tmp_path)
    assert not second.said("Scheduler running")

    first.popen.kill()  # no goodbye: SIGKILL
    first.popen.wait(timeout=20)

    wait_until(lambda: second.said("Scheduler running"), what="the second scheduler to take over")
    wait_until(lambda: second.pid in _pids(tmp_path), what="a run of the job by the second")
    before = len(_pids(tmp_path))

    second.popen.send_signal(signal.SIGTERM)

    assert second.popen.wait(timeout=20) == 0
    assert second.said("SIGTERM received") and second.said("Scheduler stopped.")
    time.sleep(1.5)  # the job runs every second: a stopped scheduler adds nothing
    assert len(_pids(tmp_path)) == before


def test_scheduler_once_runs_the_due_jobs_and_exits(app, plugin, enable):
    recorder = Recorder()
    plugin.specs = [recorder.once_per_run("tick", kind="interval", seconds=2)]
    enable()
    runner = app.test_cli_runner()

    first = runner.invoke(args=["scheduler", "--once"])
    assert first.exit_code == 0, first.output
    assert "probe:tick (interval[0:00:02])" in first.output and "Ran 0 due job(s)." in first.output
    time.sleep(2.2)  # the job falls due while no scheduler runs

    second = runner.invoke(args=["scheduler", "--once"])

    assert second.exit_code == 0, second.output
    assert "Ran 1 due job(s): probe:tick." in second.output
    assert len(recorder.of("tick")) == 1


def test_scheduler_once_runs_nothing_while_another_scheduler_holds_the_lock(app, plugin, enable):
    recorder = Recorder()
    plugin.specs = [recorder.once_per_run("tick")]
    enable()
    lock = lock_for(db.engine, app.instance_path)
    assert lock.acquire()
    try:
        result = app.test_cli_runner().invoke(args=["scheduler", "--once"])
    finally:
        lock.release()

    assert result.exit_code == 0, result.output
    assert "Another scheduler holds the lock (realty-crm scheduler, pid" in result.output
    assert "--once ran nothing" in result.output
    assert recorder.runs == []


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("SCHEDULER_MISFIRE_GRACE_SECONDS", "soon", "GRACE_SECONDS: 'soon' is not a number."),
        ("SCHEDULER_MISFIRE_GRACE_SECONDS", 0, "GRACE_SECONDS: must be at least 1, not 0."),
        ("SCHEDULER_MISFIRE_GRACE_SECONDS", 1.5, "GRACE_SECONDS: 1.5 is not a number"),
        ("SCHEDULER_POLL_SECONDS", -1, "SCHEDULER_POLL_SECONDS: must be at least 0.01"),
        ("SCHEDULER_THREADS", True, "SCHEDULER_THREADS: True is not a number."),
        ("SCHEDULER_TIMEZONE", "Mars/Olympus", "TIMEZONE: 'Mars/Olympus' is not an IANA time zone."),
        ("PLUGIN_ERRORS_RETENTION_DAYS", None, "PLUGIN_ERRORS_RETENTION_DAYS: None is not a number."),
    ],
)
def test_scheduler_refuses_a_bad_setting_with_a_clear_message(app, setting, value, message):
    app.config[setting] = value

    result = app.test_cli_runner().invoke(args=["scheduler", "--once"])

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
