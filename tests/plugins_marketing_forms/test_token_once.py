"""A form page's token is good for one submission: the same token sent again (a replay, a
double click, the back button) is refused with a clear message and stores nothing, also when
the posts race each other, on SQLite and on PostgreSQL."""

from __future__ import annotations

from realty_crm_marketing_forms import intake
from realty_crm_marketing_forms.models import EnquiryForm
from sqlalchemy import select

from realty_crm.plugin_api import db
from realty_crm.testing.concurrency import race

ALREADY_SENT = "We already have this enquiry, thank you."


def test_a_token_sent_again_is_refused_and_stores_nothing(sol, visitor, answers):
    token = visitor.token(sol.path)
    assert visitor.send(sol.path, answers, token=token).status_code == 200

    again = visitor.send(sol.path, {**answers, "email": "someone.else@example.com", "phone": ""}, token=token)

    assert again.status_code == 422
    page = again.get_data(as_text=True)
    assert ALREADY_SENT in page
    assert f'value="{token}"' not in page, "the page offers a fresh token to send another enquiry"
    assert len(sol.submissions()) == 1 and len(sol.prospects()) == 1
    assert visitor.send(sol.path, {**answers, "email": "someone.else@example.com"}).status_code == 200
    assert len(sol.submissions()) == 2


def test_the_refusal_speaks_the_visitors_language(sol, visitor, answers):
    token = visitor.token(sol.path)
    visitor.send(sol.path, answers, token=token)

    again = visitor.send(sol.path, answers, token=token, headers={"Accept-Language": "es"})

    assert again.status_code == 422
    assert "Ya tenemos esta consulta, gracias." in again.get_data(as_text=True)


def test_a_token_in_the_format_before_nonces_is_refused(sol, visitor, answers, app):
    with app.test_request_context():
        bare = intake._serializer().dumps(sol.form.id)

    sent = visitor.send(sol.path, answers, token=bare)

    assert sent.status_code == 422 and "could not be read" in sent.get_data(as_text=True)
    assert sol.submissions() == []


def test_racing_posts_with_one_token_store_one_submission(sol, visitor, answers, app):
    token = visitor.token(sol.path)
    form_id = sol.form.id

    def send(_actor):
        form = db.session.scalars(select(EnquiryForm).where(EnquiryForm.id == form_id)).one()
        return intake.receive(form, {**answers, intake.TOKEN_FIELD: token}, 0)

    outcomes = race(app, sol.agency.id, sol.manager.id, [send] * 6)

    assert sorted(outcomes).count("done") == 1, outcomes
    assert all(o == "done" or (o.startswith("error: ValidationFailed") and ALREADY_SENT in o)
               for o in outcomes), outcomes
    assert len(sol.submissions()) == 1
