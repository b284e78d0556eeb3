"""Walk every route of the app with another agency's ids: each one must answer 404.

New routes are covered without being listed here. A route whose id argument the walk cannot
map to a kind of record fails the test until KINDS learns about it, so nothing slips through.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Role, utcnow
from realty_crm.services import accounts, plugins, prospect_import, visits
from realty_crm.testing.factories import form_token

# the path segment before an id argument -> the kind of record it names
KINDS = {
    "prospects": "prospect",
    "properties": "property",
    "visits": "visit",
    "calls": "call",
    "follow-ups": "follow_up",
    "follow_ups": "follow_up",
    "users": "user",
    "agents": "user",
    "tokens": "token",
    "imports": "prospect_import",
    "marketing-forms": "enquiry_form",
    "submissions": "form_submission",
}
# argument names that carry no record id (slugs, secrets, formats)
NOT_IDS = {"filename", "kind", "fmt", "format", "agency_slug", "form_slug", "slug", "token_secret", "name"}
SKIP_METHODS = {"HEAD", "OPTIONS"}


def _foreign_records(make) -> dict[str, int]:
    """An agency B with one record of every kind; returns their ids by kind."""
    agency = make.agency(name="Agency B")
    admin = make.user(agency, Role.ADMIN)
    agent = make.user(agency, Role.AGENT)
    prospect = make.prospect(admin, assigned_agent_id=agent.id, email="b@example.com")
    prop = make.property(admin, reference="B-1")
    call = make.call(admin, prospect)
    follow_up = make.follow_up(admin, prospect)
    token, _secret = accounts.create_token(agent, "b")
    with tenancy.scope(agency.id):
        visit = visits.schedule_visit(
            admin,
            {
                "property_id": prop.id,
                "prospect_id": prospect.id,
                "agent_id": agent.id,
                "starts_at": (utcnow() + timedelta(days=2)).isoformat(),
            },
        )
        upload = prospect_import.upload(admin, "b.csv", b"First name,Email\nBea,bea@b.example.com\n")
        form, submission = _form_with_a_submission(admin)
    return {
        "enquiry_form": form.id,
        "form_submission": submission.id,
        "prospect_import": upload.id,
        "prospect": prospect.id,
        "property": prop.id,
        "visit": visit.id,
        "call": call.id,
        "follow_up": follow_up.id,
        "user": agent.id,
        "token": token.id,
    }


def _own_records(make, admin) -> dict[str, int]:
    """Agency A's own data: lists are not empty, ids differ from B's, and a route taking two
    ids is also tried with A's parent record and B's child record."""
    prospect = make.prospect(admin, email="a@example.com")
    prop = make.property(admin, reference="A-1")
    call = make.call(admin, prospect)
    follow_up = make.follow_up(admin, prospect)
    token, _secret = accounts.create_token(admin, "a")
    with tenancy.scope(admin.agency_id):
        form, submission = _form_with_a_submission(admin)
    return {
        "enquiry_form": form.id,
        "form_submission": submission.id,
        "prospect": prospect.id,
        "property": prop.id,
        "call": call.id,
        "follow_up": follow_up.id,
        "user": admin.id,
        "token": token.id,
    }


def _form_with_a_submission(admin):  # type: ignore[no-untyped-def]
    """An enquiry form (the marketing_forms plugin, on in the agency) and one failed submission."""
    from realty_crm_marketing_forms import editor
    from realty_crm_marketing_forms.models import FormSubmission, SubmissionStatus

    plugins.set_enabled(None, admin.agency, "marketing_forms", True)
    form = editor.save_form(
        admin, None, {"name": "Contact", "slug": "contact", "fields": [{"name": "email"}]}
    )
    submission = FormSubmission(
        agency_id=admin.agency_id, form_id=form.id, status=SubmissionStatus.FAILED, prospect_data={}
    )
    db.session.add(submission)
    db.session.commit()
    return form, submission


def _kind_of(rule: str, arg: str) -> str | None:
    if arg.endswith("_id") and arg[:-3] in KINDS.values():
        return arg[:-3]
    before = rule.split("<", 1)[0]
    match = re.search(rf"/([a-z_-]+)/<(?:[a-z]+:)?{arg}>", rule)
    if match:
        return KINDS.get(match.group(1))
    return KINDS.get(before.rstrip("/").rsplit("/", 1)[-1])


def _routes_with_ids(app):
    for rule in app.url_map.iter_rules():
        ids = [a for a in rule.arguments if a not in NOT_IDS]
        if rule.endpoint == "static" or not ids:
            continue
        yield rule, ids


def test_every_route_with_an_id_answers_404_for_another_agencys_records(app, make, login, api):
    admin = make.user(make.agency(name="Agency A"), Role.ADMIN)
    own = _own_records(make, admin)
    foreign = _foreign_records(make)
    browser = login(admin)
    csrf = form_token(browser, "/")
    rest = api(admin)

    checked, failures = 0, []
    for rule, ids in _routes_with_ids(app):
        kinds = {}
        for arg in ids:
            kinds[arg] = _kind_of(rule.rule, arg)
            assert kinds[arg], f"teach the walk which record <{arg}> names in {rule.rule}"
        # all of B's ids; and, with two or more, A's parent with B's last record
        variants = [{arg: foreign[kind] for arg, kind in kinds.items()}]
        if len(ids) > 1:
            variants.append({arg: (foreign if arg == ids[-1] else own)[kinds[arg]] for arg in ids})
        for values in variants:
            checked += _check(rule, values, browser, rest, csrf, failures)
    assert checked > 0
    assert not failures, "\n".join(failures)


def _check(rule, values, browser, rest, csrf, failures) -> int:
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), path)
    checked = 0
    for method in sorted(rule.methods - SKIP_METHODS):
        if path.startswith("/api/"):
            response = rest._call(method, path, json={})
        else:
            response = browser.open(path, method=method, data={"csrf_token": csrf})
        checked += 1
        if response.status_code != 404:
            failures.append(f"{method} {path} ({rule.endpoint}) -> {response.status_code}")
    return checked


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_lists_never_show_another_agencys_records(make, login, api, role):
    admin = make.user(make.agency(name="Agency A"), Role.ADMIN)
    user = make.user(admin.agency, role)
    make.prospect(admin, first_name="Ownpros", assigned_agent_id=user.id)
    other = make.user(make.agency(name="Agency B"), Role.ADMIN)
    make.prospect(other, first_name="Foreignpros")
    make.property(other, reference="FOREIGN-REF", title="Foreign flat")
    browser = login(user)
    for path in ("/prospects", "/properties", "/prospects?q=foreign", "/properties?q=foreign"):
        html = browser.get(path).get_data(as_text=True)
        assert "Foreignpros" not in html and "FOREIGN-REF" not in html, path
    rest = api(user)
    for path in ("/api/v1/prospects", "/api/v1/properties", "/api/v1/agents", "/api/v1/calls",
                 "/api/v1/follow-ups"):
        body = rest.get(path).get_data(as_text=True)
        assert "Foreignpros" not in body and "FOREIGN-REF" not in body, path
