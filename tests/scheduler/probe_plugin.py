"""A plugin for the process tests, loaded by a real ``realty-crm scheduler`` through its
instance config: its job notes the process id, every second, in the file ``$PROBE_FILE``."""

from __future__ import annotations

import os

from realty_crm import hookimpl
from realty_crm.plugin_host import PluginInfo
from realty_crm.scheduler import JobSpec


def note_pid() -> None:
    """Append this process's id to ``$PROBE_FILE``."""
    with open(os.environ["PROBE_FILE"], "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\n")


@hookimpl
def crm_plugin_info() -> PluginInfo:
    return PluginInfo(name="probe", title="Probe")


@hookimpl
def crm_register_jobs() -> list[JobSpec]:
    return [JobSpec("note-pid", note_pid, "interval", {"seconds": 1})]
