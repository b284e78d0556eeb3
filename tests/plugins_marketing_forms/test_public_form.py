"""The public form at /f/<agency>/<form>: what a visitor sees and sends, and what each
enquiry becomes (a prospect, or a line on the existing one's timeline)."""

from __future__ import annotations

import time

import pytest
from realty_crm_marketing_forms.models import SubmissionStatus

from realty_crm.plugin_api import ActivityKind, ProspectSource, db, tenancy
from realty_crm.testing.plugin_tools import AssignmentRule, assignment


def test_the_form_page_shows_the_chosen_fields_labelled_with_a_hidden_trap(sol, visitor):
    page = visitor.open(sol.path)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Contact us" in html and "Tell us what you are looking for." in html
    for name in ("first_name", "last_name", "email", "phone", "area", "message", "marketing_consent"):
        assert f'name="{name}"' in html
    assert '<label for="f-email">' in html
    assert 'class="trap" aria-hidden="true"' in html and 'name="website"' in html
    assert "Send me news about properties like these." in html


def test_the_form_page_may_be_framed_by_any_site(sol, visitor):
    page = visitor.open(sol.path)

    assert "frame-ancestors *" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers


def test_signed_in_pages_still_refuse_to_be_framed(sol, login):
    page = login(sol.manager).get("/marketing-forms/")

    assert page.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_the_form_page_speaks_the_visitors_language(sol, visitor):
    page = visitor.open(sol.path, **{"Accept-Language": "es-ES,es;q=0.9"})

    html = page.get_data(as_text=True)
    assert "Nombre" in html and "Enviar" in html


@pytest.mark.parametrize("path", ["/f/pisos-sol/nope", "/f/nowhere/contact"])
def test_an_unknown_agency_or_form_is_not_found(sol, visitor, path):
    assert visitor.open(path).status_code == 404


def test_a_form_of_an_agency_without_the_plugin_is_not_found(sol, luna, visitor):
    luna.form = luna.build()  # built while the plugin was on, say, then switched off

    assert visitor.open(luna.path).status_code == 404
    assert visitor.send(luna.path, {"first_name": "Ana"}, token="x").status_code == 404


def test_a_closed_form_says_so_and_takes_nothing(sol, visitor, answers):
    token = visitor.token(sol.path)
    with tenancy.scope(sol.agency.id):
        from realty_crm_marketing_forms import editor

        editor.save_form(sol.manager, sol.form, {**_fields_of(sol.form), "active": False})

    page = visitor.open(sol.path)
    sent = visitor.send(sol.path, answers, token=token)

    assert page.status_code == 410 and "no longer takes enquiries" in page.get_data(as_text=True)
    assert sent.status_code == 410
    assert sol.submissions() == []


def _fields_of(form):  # type: ignore[no-untyped-def]
    return {
        "name": form.name, "slug": form.slug, "intro": form.intro, "fields": form.fields,
        "consent_text": form.consent_text, "thank_you_message": form.thank_you_message,
        "redirect_url": form.redirect_url, "active": form.active,
    }


def test_an_enquiry_becomes_a_prospect_from_the_web_form(sol, visitor, answers):
    sent = visitor.send(sol.path + "?utm_source=newsletter", {**answers, "utm_campaign": "spring"})

    assert sent.status_code == 200
    assert "Thanks! An agent will call you today." in sent.get_data(as_text=True)
    [prospect] = sol.prospects()
    assert (prospect.first_name, prospect.last_name) == ("Ana", "García")
    assert prospect.email == "ana.garcia@example.com" and prospect.phone == "+34612345678"
    assert prospect.source == ProspectSource.WEB_FORM and prospect.source_detail == "Contact us"
    assert prospect.operation.value == "buy" and prospect.property_types == ["flat"]
    assert prospect.areas == ["Centro"] and prospect.max_price == 250000 and prospect.min_bedrooms == 2
    assert prospect.marketing_consent is True
    [submission] = sol.submissions()
    assert submission.status == SubmissionStatus.PROCESSED
    assert (submission.prospect_id, submission.created_prospect) == (prospect.id, True)
    assert submission.utm_campaign == "spring"


def test_the_enquiry_is_on_the_prospects_timeline_with_its_form_campaign_and_message(
    sol, visitor, answers, read_entry
):
    visitor.send(sol.path, {**answers, "utm_campaign": "spring"})

    [prospect] = sol.prospects()
    [enquiry] = [a for a in sol.timeline(prospect) if a.kind == ActivityKind.FORM_ENQUIRY]
    text = read_entry(enquiry)
    assert text == "Enquiry through the form “Contact us”. Campaign: spring. About property SOL-12. " + (
        "Can I see it on Saturday?"
    )
    assert enquiry.summary == "" and enquiry.source == "marketing_forms"
    sol.manager.locale = "es"
    assert read_entry(enquiry, sol.manager) == (
        "Consulta a través del formulario «Contact us». Campaña: spring. Sobre el inmueble SOL-12. "
        "Can I see it on Saturday?"
    )
    assert enquiry.actor_id is None
    assert enquiry.data["form_name"] == "Contact us" and enquiry.data["utm_campaign"] == "spring"


def test_a_new_enquiry_is_assigned_by_the_agencys_rule(sol, visitor, answers):
    with tenancy.scope(sol.agency.id):
        assignment.set_rule(sol.admin, AssignmentRule.BY_AREA.value)

    visitor.send(sol.path, answers)

    [prospect] = sol.prospects()
    assert prospect.assigned_agent_id == sol.agent.id


def test_an_enquiry_from_a_known_person_joins_their_record(sol, visitor, answers, make):
    known = make.prospect(sol.manager, first_name="Ana", email="ana.garcia@example.com", tags=["vip"])

    sent = visitor.send(sol.path, {**answers, "email": "ANA.GARCIA@example.com"})

    assert sent.status_code == 200
    [prospect] = sol.prospects()
    assert prospect.id == known.id
    assert prospect.phone == "+34612345678" and prospect.areas == ["Centro"]  # blanks filled
    kinds = [a.kind for a in sol.timeline(prospect)]
    assert ActivityKind.MERGED in kinds and ActivityKind.FORM_ENQUIRY in kinds
    [submission] = sol.submissions()
    assert (submission.prospect_id, submission.created_prospect) == (known.id, False)


def test_an_enquiry_by_phone_alone_finds_the_person_by_their_phone(sol, visitor, make):
    known = make.prospect(sol.manager, first_name="Luis", phone="+34 699 000 111")

    visitor.send(sol.path, {"first_name": "Luis", "phone": "699000111"})

    assert [p.id for p in sol.prospects()] == [known.id]


def test_a_form_with_a_thank_you_page_sends_the_visitor_there(sol, visitor, answers):
    form = sol.build(slug="viewing", redirect_url="https://www.pisos-sol.example/gracias")

    sent = visitor.send(f"/f/{sol.agency.slug}/{form.slug}", answers)

    assert sent.status_code == 303
    assert sent.headers["Location"] == "https://www.pisos-sol.example/gracias"
    assert "form-action 'self' https://www.pisos-sol.example" in sent.headers["Content-Security-Policy"]
    assert len(sol.prospects()) == 1


# --- spam defences -----------------------------------------------------------------------


def test_a_robot_filling_the_trap_is_thanked_and_nothing_is_kept(sol, visitor, answers):
    sent = visitor.send(sol.path, {**answers, "website": "http://spam.example"})

    assert sent.status_code == 200 and "Thank you" in sent.get_data(as_text=True)
    assert sol.submissions() == [] and sol.prospects() == []
    with tenancy.scope(sol.agency.id):
        db.session.refresh(sol.form)
        assert sol.form.spam_blocked == 1


def test_a_form_sent_faster_than_a_person_types_is_refused(sol, visitor, answers):
    sol.configure(min_fill_seconds=30)

    sent = visitor.send(sol.path, answers)

    assert sent.status_code == 422
    assert "quicker than a person can type" in sent.get_data(as_text=True)
    assert sol.submissions() == []


def test_a_form_sent_after_the_minimum_fill_time_is_taken(sol, visitor, answers):
    sol.configure(min_fill_seconds=1)
    token = visitor.token(sol.path)
    time.sleep(1.1)

    assert visitor.send(sol.path, answers, token=token).status_code == 200


@pytest.mark.parametrize("token", ["", "forged.token.value"])
def test_a_form_without_a_genuine_token_is_refused(sol, visitor, answers, token):
    sent = visitor.send(sol.path, answers, token=token)

    assert sent.status_code == 422
    assert "could not be read" in sent.get_data(as_text=True)
    assert sol.submissions() == []


def test_the_token_of_another_form_is_refused(sol, visitor, answers):
    other = sol.build(slug="other")
    token = visitor.token(f"/f/{sol.agency.slug}/{other.slug}")

    assert visitor.send(sol.path, answers, token=token).status_code == 422
    assert sol.submissions() == []


def test_too_many_enquiries_from_one_address_are_refused(sol, visitor, answers):
    sol.configure(submissions_per_address_per_hour=2)

    statuses = [
        visitor.send(sol.path, {**answers, "email": f"ana{i}@example.com", "phone": ""}).status_code
        for i in range(3)
    ]

    assert statuses == [200, 200, 429]
    assert len(sol.submissions()) == 2


def test_a_body_over_the_size_limit_is_refused(sol, visitor, answers):
    sent = visitor.send(sol.path, {**answers, "message": "x" * 70_000})

    assert sent.status_code == 413
    assert sol.submissions() == []


# --- bad answers: a message next to each field, nothing kept --------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"first_name": ""}, "first_name", "This field is required."),
        ({"email": "not-an-address"}, "email", "e-mail"),
        ({"phone": "12"}, "phone", "phone"),
        ({"first_name": "A" * 101}, "first_name", "At most 100 characters."),
        ({"operation": "steal"}, "operation", "Choose one of the options."),
        ({"property_type": "castle"}, "property_type", "Choose one of the options."),
        ({"max_price": "cheap"}, "max_price", ""),
        ({"min_bedrooms": "-1"}, "min_bedrooms", ""),
        ({"message": "x" * 5001}, "message", "At most 5000 characters."),
        ({"email": "", "phone": ""}, "email", "Leave an e-mail or a phone number"),
    ],
)
def test_a_bad_answer_is_shown_next_to_its_field_and_nothing_is_kept(
    sol, visitor, answers, change, field, message
):
    sent = visitor.send(sol.path, {**answers, **change})

    html = sent.get_data(as_text=True)
    assert sent.status_code == 422
    assert f'id="f-{field}-error"' in html and message in html
    assert 'aria-invalid="true"' in html
    assert sol.submissions() == [] and sol.prospects() == []


def test_a_refused_form_keeps_the_answers_and_a_fresh_token(sol, visitor, answers):
    sent = visitor.send(sol.path, {**answers, "email": "nope"})

    html = sent.get_data(as_text=True)
    assert 'value="García"' in html and "Can I see it on Saturday?" in html
    assert 'name="form_token"' in html


def test_a_required_field_of_the_form_must_be_filled(sol, visitor, answers):
    form = sol.build(slug="call-me", fields=[{"name": "phone", "required": True}])

    sent = visitor.send(f"/f/{sol.agency.slug}/{form.slug}", {"first_name": "Ana", "phone": ""})

    assert sent.status_code == 422 and 'id="f-phone-error"' in sent.get_data(as_text=True)


def test_fields_the_form_does_not_ask_are_ignored(sol, visitor):
    form = sol.build(slug="short", fields=[{"name": "email", "required": True}])

    visitor.send(f"/f/{sol.agency.slug}/{form.slug}", {
        "first_name": "Ana", "email": "ana@example.com", "max_price": "1", "assigned_agent_id": "1",
    })

    [prospect] = sol.prospects()
    assert prospect.max_price is None and prospect.assigned_agent_id is None


def test_staff_of_an_agency_without_the_plugin_can_still_open_another_agencys_form(sol, luna, login):
    browser = login(luna.agent)  # signed in where the plugin is off

    page = browser.get(sol.path)

    assert page.status_code == 200
