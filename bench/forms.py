"""Public form submissions per second (SPEC §7): concurrent visitors sending one agency's
enquiry form to the production server, then the time until every submission is a prospect.

A form token is good for one submission, so each visitor opens the form page before the
measured period as many times as it can send in it (``TOKENS_PER_SECOND`` a second: a pool of
signed tokens older than the form's minimum fill time), then sends enquiries one after another,
each from a new person and with the oldest token; a visitor that runs out opens the page again
(inside the period). What is timed is the submissions, as before single-use tokens; opening the
page is timed by the load run (bench/load.py, "visitor: open form").
The agency's per-address limit is raised for the run: every visitor here is 127.0.0.1.
"""

from __future__ import annotations

import re
import threading
import time
from collections import deque
from typing import Any

from client import Client
from flask import Flask
from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Agency, Prospect, Role, User
from realty_crm.services import plugins

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
# tokens each visitor opens ahead, per second of the measured period: more than it can send
TOKENS_PER_SECOND = 25
PLUGIN = "marketing_forms"
FORM = {
    "name": "Benchmark enquiries",
    "slug": "benchmark",
    "fields": [{"name": "email", "required": True}, {"name": "phone"}, {"name": "area"}, {"name": "message"}],
    "consent_text": "Send me news about properties like these.",
}


def prepare_form(app: Flask, agency_id: int) -> str | None:
    """Enable the plugin in the agency and build the form; its public path, or None when the
    plugin is not installed."""
    from realty_crm.plugin_host import get_host

    with app.app_context(), tenancy.scope(agency_id):
        if PLUGIN not in get_host().names:
            return None
        from realty_crm_marketing_forms import editor
        from realty_crm_marketing_forms.models import EnquiryForm

        agency = db.session.get(Agency, agency_id)
        admin = db.session.scalars(select(User).where(User.role.in_([Role.ADMIN, Role.MANAGER]))).first()
        plugins.set_enabled(None, agency, PLUGIN, True)
        plugins.configure(None, agency, PLUGIN, {"submissions_per_address_per_hour": 1_000_000})
        form = db.session.scalars(select(EnquiryForm).where(EnquiryForm.slug == FORM["slug"])).first()
        editor.save_form(admin, form, FORM)
        return f"/f/{agency.slug}/{FORM['slug']}"


def count_prospects(app: Flask, agency_id: int) -> int:
    """The agency's prospects, live or not."""
    with app.app_context(), tenancy.scope(agency_id):
        stmt = select(func.count()).select_from(Prospect).execution_options(include_deleted=True)
        return db.session.scalar(stmt)


def pending(app: Flask, agency_id: int) -> int:
    """The agency's submissions not yet processed."""
    from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus

    with app.app_context(), tenancy.scope(agency_id):
        return db.session.scalar(
            select(func.count())
            .select_from(FormSubmission)
            .where(FormSubmission.status == SubmissionStatus.PENDING)
        )


def send_for(port: int, path: str, visitors: int, seconds: float, min_fill: float = 3.0) -> dict[str, Any]:
    """``visitors`` concurrent clients sending the form for ``seconds``; the rate of accepted
    (2xx) submissions and the latency each saw."""
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    ready = threading.Barrier(visitors + 1)
    go = threading.Event()
    start_at: list[float] = []

    run = f"{time.time():.0f}"  # new people on every run: each enquiry creates a prospect

    def visitor(n: int) -> None:
        client = Client("127.0.0.1", port)

        def opened() -> str:
            return TOKEN.search(client.get(path).body.decode()).group(1)

        tokens = deque(opened() for _ in range(int(seconds * TOKENS_PER_SECOND)))
        ready.wait(timeout=600)  # every visitor holds its tokens
        go.wait(timeout=60)
        time.sleep(max(0.0, start_at[0] - time.time()))
        i = 0
        while time.time() < start_at[0] + seconds:
            i += 1
            token = tokens.popleft() if tokens else opened()
            fields = {"form_token": token, "first_name": f"Visitor {n}-{i}",
                      "email": f"visitor{run}.{n}.{i}@bench.example.com",
                      "area": "Centro", "message": "I would like to visit this week."}
            answer = client.post_form(path, fields)
            with lock:
                if answer.status == 200:
                    latencies.append(answer.client_ms)
                else:
                    failures.append(answer.status)
        client.close()

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(visitors)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=600)
    # the period starts once every visitor holds its tokens, the newest older than the minimum fill time
    start_at.append(time.time() + min_fill + 0.5)
    go.set()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "started_at": start_at[0],
        "visitors": visitors,
        "seconds": seconds,
        "accepted": len(latencies),
        "refused": len(failures),
        "refused_statuses": sorted(set(failures)),
        "per_second": round(len(latencies) / seconds, 1),
        "median_ms": round(latencies[len(latencies) // 2], 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95)], 1) if latencies else None,
    }


def measure_forms(app: Flask, agency_id: int, port: int, path: str, visitors: int = 16,
                  seconds: float = 30.0) -> dict[str, Any]:
    """Send the form at full speed, then wait for the queue to empty: accepted per second, and
    prospects made per second from the first submission to the last processed."""
    before = count_prospects(app, agency_id)
    result = send_for(port, path, visitors, seconds)
    started = result.pop("started_at")  # the period's start, after the visitors opened their pages
    sent_until = time.time()
    while pending(app, agency_id):
        time.sleep(0.5)
    drained = time.time()
    made = count_prospects(app, agency_id) - before
    result["prospects_made"] = made
    result["backlog_drained_s"] = round(drained - sent_until, 1)
    result["processed_per_second"] = round(made / (drained - started), 1)
    result["meets_target"] = result["per_second"] >= 200
    return result
