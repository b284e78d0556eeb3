"""From kept submission to prospect: batches that one bad submission cannot stop, workers
that never take the same submission twice, the scheduler's share, and the event plugins hear."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import realty_crm_marketing_forms
from flask import Flask
from realty_crm_marketing_forms import inline, processing
from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus

from realty_crm.plugin_api import Agency, PluginInfo, db, hookimpl, tenancy
from realty_crm.testing.plugin_tools import enable_plugin


class Listener:
    """Notes every ``crm_enquiry_received`` and ``crm_prospect_created`` it hears."""

    def __init__(self) -> None:
        self.enquiries: list[dict[str, Any]] = []
        self.created: list[int] = []

    @hookimpl
    def crm_plugin_info(self) -> PluginInfo:
        return PluginInfo(name="listener", title="Listener", description="Hears enquiries.")

    @hookimpl
    def crm_enquiry_received(self, prospect: Any, created: bool, details: dict[str, Any], actor: Any) -> None:
        self.enquiries.append({"prospect_id": prospect.id, "created": created, "actor": actor, **details})

    @hookimpl
    def crm_prospect_created(self, prospect: Any) -> None:
        self.created.append(prospect.id)


@pytest.fixture
def listener() -> Listener:
    return Listener()


@pytest.fixture
def app(app_factory: Callable[..., Flask], listener: Listener) -> Iterator[Flask]:
    """The application with the forms plugin and the listener (enabled where a test says)."""
    application = app_factory(EXTRA_PLUGINS=[(listener, "listener")])
    with application.app_context():
        yield application
        db.session.remove()


def _keep(branch: Any, count: int, first: int = 0, **data: Any) -> list[int]:
    """``count`` submissions kept as pending, as ``receive`` leaves them (leads numbered from
    ``first``); their ids."""
    with tenancy.scope(branch.agency.id):
        rows = [
            FormSubmission(
                agency_id=branch.agency.id, form_id=branch.form.id,
                prospect_data={"first_name": f"Lead {i}", "email": f"lead{i}@example.com",
                               "source": "web_form", **data},
            )
            for i in range(first, first + count)
        ]
        db.session.add_all(rows)
        db.session.commit()
        return [r.id for r in rows]


def _process(branch: Any) -> int:
    with tenancy.scope(branch.agency.id):
        return processing.process_pending(db.session.get(Agency, branch.agency.id))


def _statuses(branch: Any) -> list[SubmissionStatus]:
    return [s.status for s in branch.submissions()]


def test_the_enquiry_event_reaches_plugins_after_the_prospect_is_saved(sol, visitor, answers, listener):
    enable_plugin(sol.agency, "listener")

    visitor.send(sol.path, {**answers, "utm_campaign": "spring"})

    [prospect] = sol.prospects()
    [heard] = listener.enquiries
    assert heard["prospect_id"] == prospect.id and heard["created"] is True and heard["actor"] is None
    assert heard["form_name"] == "Contact us" and heard["utm_campaign"] == "spring"
    assert heard["message"] == "Can I see it on Saturday?" and heard["property_reference"] == "SOL-12"
    assert listener.created == [prospect.id]


def test_an_enquiry_joining_a_known_person_is_heard_as_not_created(sol, visitor, answers, listener, make):
    enable_plugin(sol.agency, "listener")
    known = make.prospect(sol.manager, first_name="Ana", email="ana.garcia@example.com")
    listener.created.clear()

    visitor.send(sol.path, answers)

    assert [(h["prospect_id"], h["created"]) for h in listener.enquiries] == [(known.id, False)]
    assert listener.created == []


def test_one_bad_submission_fails_alone_and_the_batch_goes_on(sol, listener):
    enable_plugin(sol.agency, "listener")
    good = _keep(sol, 2)
    bad = _keep(sol, 1, first=2, first_name="")  # refused by the prospect rules when processed
    later = _keep(sol, 2, first=3)

    assert _process(sol) == 5

    by_id = {s.id: s for s in sol.submissions()}
    assert [by_id[i].status for i in good + later] == [SubmissionStatus.PROCESSED] * 4
    assert by_id[bad[0]].status == SubmissionStatus.FAILED
    assert "first_name" in by_id[bad[0]].error
    assert by_id[bad[0]].prospect_id is None
    assert len(sol.prospects()) == 4
    # the failed one's events were dropped with its savepoint; the others' were sent
    assert len(listener.enquiries) == 4 and len(listener.created) == 4


def test_a_long_queue_is_processed_in_batches_oldest_first(sol):
    ids = _keep(sol, processing.BATCH * 2 + 3)

    assert _process(sol) == len(ids)

    assert set(_statuses(sol)) == {SubmissionStatus.PROCESSED}
    prospects = sol.prospects()
    assert [p.first_name for p in prospects] == [f"Lead {i}" for i in range(len(ids))]


def test_processing_stops_at_its_limit(sol):
    _keep(sol, 5)

    with tenancy.scope(sol.agency.id):
        assert processing.process_pending(db.session.get(Agency, sol.agency.id), limit=3) == 3

    assert _statuses(sol).count(SubmissionStatus.PENDING) == 2


def test_two_workers_processing_at_once_never_take_the_same_submission(sol, app, other_app):
    _keep(sol, 40)
    barrier = threading.Barrier(2)
    taken: list[int] = []

    def work(app: Flask) -> None:
        with app.app_context(), tenancy.scope(sol.agency.id):
            barrier.wait()
            taken.append(processing.process_pending(db.session.get(Agency, sol.agency.id)))
            db.session.remove()

    threads = [threading.Thread(target=work, args=(a,)) for a in (app, other_app)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    db.session.rollback()
    assert sum(taken) == 40
    assert len(sol.prospects()) == 40
    assert set(_statuses(sol)) == {SubmissionStatus.PROCESSED}


def test_the_scheduler_job_processes_what_the_web_left(sol, app):
    [job] = realty_crm_marketing_forms.crm_register_jobs()
    assert job.per_agency and job.trigger == "interval" and job.trigger_args == {"seconds": 5}
    _keep(sol, 3)

    with tenancy.scope(sol.agency.id):
        assert job.func(db.session.get(Agency, sol.agency.id)) == 3

    assert set(_statuses(sol)) == {SubmissionStatus.PROCESSED}


def test_a_busy_web_worker_leaves_the_queue_to_the_scheduler(sol, visitor, answers, app):
    processing = inline.for_app(app)
    processing.begin()  # another visitor's submission is being answered meanwhile
    try:
        sent = visitor.send(sol.path, answers)
    finally:
        processing.end()

    assert sent.status_code == 200
    assert _statuses(sol) == [SubmissionStatus.PENDING] and sol.prospects() == []
    _process(sol)
    assert len(sol.prospects()) == 1


def test_an_idle_web_worker_also_takes_what_was_waiting(sol, visitor, answers):
    _keep(sol, 2)

    visitor.send(sol.path, answers)

    assert set(_statuses(sol)) == {SubmissionStatus.PROCESSED}
    assert len(sol.prospects()) == 3


def test_a_refused_submission_does_not_leave_the_worker_looking_busy(sol, visitor, answers):
    visitor.send(sol.path, {**answers, "email": "nope"})
    visitor.send(sol.path, answers)

    # processed right after its answer: the refusal before it was counted out again
    assert _statuses(sol) == [SubmissionStatus.PROCESSED]


def test_retrying_a_failed_submission_processes_it_alone_whatever_waits_in_the_queue(sol):
    [failed] = _keep(sol, 1, first_name="")
    _process(sol)
    waiting = _keep(sol, 3, first=1)
    with tenancy.scope(sol.agency.id):
        submission = db.session.get(FormSubmission, failed)
        submission.prospect_data = {**submission.prospect_data, "first_name": "Lead 0"}
        db.session.commit()
        processing.retry(sol.manager, submission)

    by_id = {s.id: s.status for s in sol.submissions()}
    assert by_id[failed] == SubmissionStatus.PROCESSED
    assert [by_id[i] for i in waiting] == [SubmissionStatus.PENDING] * 3
