"""The signed-in pages under /marketing-forms: who may open them, building and changing a form
in the builder, its address and embed snippet, the figures per form and campaign, and the
submissions that failed (shown, and processed again on demand)."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from realty_crm_marketing_forms import figures, processing
from realty_crm_marketing_forms.figures import Figures
from realty_crm_marketing_forms.models import EnquiryForm, FormSubmission, SubmissionStatus
from sqlalchemy import select

from realty_crm.plugin_api import Agency, db, prospects, tenancy, utcnow, visits
from realty_crm.testing.factories import form_token
from realty_crm.testing.plugin_tools import enable_plugin

PLUGIN = "marketing_forms"
INDEX = "/marketing-forms/"
NEW = "/marketing-forms/new"
PAGES = ["/marketing-forms/", "/marketing-forms/new", "/marketing-forms/{id}", "/marketing-forms/{id}/edit"]
STALLED = "nothing is processing them"

# a period around now, wide enough for every submission a test makes
THIS_YEAR = (utcnow() - timedelta(days=180), utcnow() + timedelta(days=180))


def _builder_data(ask: tuple[str, ...] = ("email", "message"), require: tuple[str, ...] = ("email",),
                  **values: Any) -> dict[str, Any]:
    """What the builder posts: its fields, and an ``ask_``/``require_`` box per chosen field
    (a value of None leaves the field out, as an unchecked box is)."""
    data: dict[str, Any] = {
        "name": "Viewing request", "slug": "viewing", "intro": "Pick a day.",
        "consent_text": "", "thank_you_message": "We will call you back.", "redirect_url": "",
        "active": "y",
        **{f"ask_{name}": "on" for name in ask},
        **{f"require_{name}": "on" for name in require},
        **values,
    }
    return {key: value for key, value in data.items() if value is not None}


def _post_builder(browser: Any, path: str = NEW, token: bool = True, **kwargs: Any) -> Any:
    data = _builder_data(**kwargs)
    if token:
        data["csrf_token"] = form_token(browser, path)
    return browser.post(path, data=data)


def _forms(branch: Any) -> list[EnquiryForm]:
    db.session.expire_all()
    with tenancy.scope(branch.agency.id):
        return list(db.session.scalars(select(EnquiryForm).order_by(EnquiryForm.id)))


def _submission(branch: Any, submission_id: int) -> FormSubmission:
    db.session.expire_all()
    with tenancy.scope(branch.agency.id):
        return db.session.scalars(select(FormSubmission).where(FormSubmission.id == submission_id)).one()


def _keep(branch: Any, form: EnquiryForm | None = None, status: SubmissionStatus = SubmissionStatus.PENDING,
          **fields: Any) -> int:
    """A submission stored directly (as ``receive`` or a failed processing leaves it); its id."""
    form = form or branch.form
    data = {"first_name": "Dora", "email": "dora@example.com", "source": "web_form",
            "source_detail": "Contact us"}
    row = FormSubmission(
        agency_id=branch.agency.id, form_id=form.id, status=status,
        prospect_data=fields.pop("prospect_data", data), **fields,
    )
    with tenancy.scope(branch.agency.id):
        db.session.add(row)
        db.session.commit()
        return row.id


def _process(branch: Any) -> int:
    with tenancy.scope(branch.agency.id):
        return processing.process_pending(db.session.get(Agency, branch.agency.id))


def _retry(browser: Any, form_id: int, submission_id: int) -> Any:
    token = form_token(browser, f"/marketing-forms/{form_id}")
    return browser.post(
        f"/marketing-forms/{form_id}/submissions/{submission_id}/retry", data={"csrf_token": token}
    )


def _text(html: str) -> str:
    """What a person reads of a piece of HTML: no tags, entities decoded, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _rows(html: str) -> dict[str, dict[str, str]]:
    """The table rows of a page by their first cell's text, each as {data-label: cell text}."""
    rows: dict[str, dict[str, str]] = {}
    for row in re.findall(r"<tr>(.*?)</tr>", html, re.S):
        cells = re.findall(r"<t([dh])([^>]*)>(.*?)</t\1>", row, re.S)
        if not cells:
            continue
        labelled = {}
        for _kind, attrs, inner in cells:
            label = re.search(r'data-label="([^"]*)"', attrs)
            if label:
                labelled[label.group(1)] = _text(inner)
        rows[_text(cells[0][2])] = labelled
    return rows


class _Snippet(HTMLParser):
    """The text of the embed box as a person sees and copies it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = tag == "textarea" and ("id", "embed") in attrs

    def handle_endtag(self, tag: str) -> None:
        self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


class _Frames(HTMLParser):
    """The attributes of each iframe of a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.frames: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "iframe":
            self.frames.append(dict(attrs))


def _pasted_iframe(html: str) -> dict[str, str | None]:
    """The iframe a person gets by pasting the embed box's text into their own page."""
    box = _Snippet()
    box.feed(html)
    frames = _Frames()
    frames.feed(box.text)
    [frame] = frames.frames
    return frame


# --- who may open the pages ----------------------------------------------------------------


@pytest.mark.parametrize("who", ["manager", "admin"])
@pytest.mark.parametrize(
    ("page", "heading"),
    [
        ("/marketing-forms/", "<h1>Enquiry forms</h1>"),
        ("/marketing-forms/new", "<h1>New form</h1>"),
        ("/marketing-forms/{id}", "<h1>Contact us</h1>"),
        ("/marketing-forms/{id}/edit", "<h1>Edit Contact us</h1>"),
    ],
)
def test_managers_and_admins_see_the_forms_pages(sol, login, who, page, heading):
    response = login(getattr(sol, who)).get(page.format(id=sol.form.id))

    assert response.status_code == 200
    assert heading in response.get_data(as_text=True)


@pytest.mark.parametrize("page", PAGES)
def test_an_agent_cannot_see_the_forms_pages(sol, login, page):
    assert login(sol.agent).get(page.format(id=sol.form.id)).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(sol, client, page):
    response = client.get(page.format(id=sol.form.id))

    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["admin", "manager"])
@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_not_found_where_the_plugin_is_disabled(sol, luna, login, who, page):
    assert login(getattr(luna, who)).get(page.format(id=sol.form.id)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_not_found_for_an_agent_where_the_plugin_is_disabled(sol, luna, login, page):
    assert login(luna.agent).get(page.format(id=sol.form.id)).status_code == 404


@pytest.mark.parametrize("who", ["manager", "admin"])
def test_the_top_bar_has_a_forms_entry_for_managers_and_admins(sol, login, who):
    html = login(getattr(sol, who)).get("/").get_data(as_text=True)

    assert f'<a href="{INDEX}">Forms</a>' in html


def test_the_top_bar_has_no_forms_entry_for_an_agent_or_where_the_plugin_is_off(sol, luna, login):
    assert f'href="{INDEX}"' not in login(sol.agent).get("/").get_data(as_text=True)
    assert f'href="{INDEX}"' not in login(luna.manager).get("/").get_data(as_text=True)


# --- building a form -----------------------------------------------------------------------


def test_a_manager_builds_a_form_whose_public_page_asks_the_chosen_fields(sol, login, visitor):
    browser = login(sol.manager)

    built = _post_builder(browser, ask=("phone", "area", "message"), require=("phone", "area"))

    form = _forms(sol)[-1]
    assert built.status_code == 302
    assert built.headers["Location"].endswith(f"/marketing-forms/{form.id}")
    assert (form.name, form.slug, form.intro) == ("Viewing request", "viewing", "Pick a day.")
    assert form.active is True
    assert form.fields == [
        {"name": "phone", "required": True}, {"name": "area", "required": True},
        {"name": "message", "required": False},
    ]
    assert "The form is saved." in browser.get(built.headers["Location"]).get_data(as_text=True)
    page = visitor.open(f"/f/{sol.agency.slug}/viewing")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Viewing request" in html and "Pick a day." in html
    assert 'id="f-phone" name="phone" required' in html and 'id="f-area" name="area" required' in html
    assert 'id="f-message" name="message" maxlength="5000"' in html  # not required
    assert 'name="email"' not in html and 'name="operation"' not in html


def test_the_new_form_page_suggests_asking_an_e_mail_a_phone_and_a_message(sol, login):
    html = login(sol.manager).get(NEW).get_data(as_text=True)

    assert 'name="ask_email" aria-label="Ask E-mail" checked' in html
    assert 'name="require_email" aria-label="Require E-mail" checked' in html
    assert 'name="ask_phone" aria-label="Ask Phone" checked' in html
    assert 'name="require_phone" aria-label="Require Phone">' in html
    assert 'name="ask_message" aria-label="Ask Message" checked' in html
    assert 'name="ask_area" aria-label="Ask Area">' in html
    assert 'name="csrf_token"' in html


def test_a_built_form_sends_its_visitors_to_its_thank_you_page(sol, login, visitor):
    _post_builder(login(sol.manager), redirect_url="https://www.pisos-sol.example/gracias")

    sent = visitor.send(f"/f/{sol.agency.slug}/viewing", {"first_name": "Ana", "email": "ana@example.com"})

    assert sent.status_code == 303 and sent.headers["Location"] == "https://www.pisos-sol.example/gracias"


def test_an_address_typed_in_capitals_is_kept_in_lower_case(sol, login, visitor):
    built = _post_builder(login(sol.manager), slug="  Write-To-Us ")

    assert built.status_code == 302
    assert [f.slug for f in _forms(sol)] == ["contact", "write-to-us"]
    assert visitor.open(f"/f/{sol.agency.slug}/write-to-us").status_code == 200


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ask": ("message",), "require": ()}, "ask for an e-mail or a phone"),
        ({"ask": (), "require": ("email",)}, "ask for an e-mail or a phone"),
        ({"slug": "contact us"}, "use lower-case letters, digits and dashes"),
        ({"slug": "hello!"}, "use lower-case letters, digits and dashes"),
        ({"slug": "-viewing"}, "use lower-case letters, digits and dashes"),
        ({"slug": ""}, "at least 1 character"),
        ({"slug": "contact"}, "Another form of the agency already has this address."),
        ({"slug": " Contact "}, "Another form of the agency already has this address."),
        ({"redirect_url": "javascript:alert(1)"}, "a full web address"),
        ({"redirect_url": "ftp://files.pisos-sol.example/thanks"}, "a full web address"),
        ({"redirect_url": "www.pisos-sol.example/thanks"}, "a full web address"),
        ({"name": "x" * 121}, "at most 120 characters"),
        ({"name": ""}, "at least 1 character"),
    ],
)
def test_a_bad_form_is_shown_again_with_the_message_and_nothing_is_stored(sol, login, change, message):
    refused = _post_builder(login(sol.manager), **change)

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert message in html
    assert "Pick a day." in html  # what was typed is kept
    assert [f.slug for f in _forms(sol)] == ["contact"]


def test_a_refused_form_keeps_the_fields_that_were_chosen(sol, login):
    refused = _post_builder(login(sol.manager), slug="contact", ask=("phone", "area"), require=("area",))

    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'name="ask_area" aria-label="Ask Area" checked' in html
    assert 'name="require_area" aria-label="Require Area" checked' in html
    assert 'name="ask_email" aria-label="Ask E-mail">' in html


def test_building_a_form_needs_the_csrf_token(sol, login):
    refused = _post_builder(login(sol.manager), token=False)

    assert refused.status_code == 400
    assert [f.slug for f in _forms(sol)] == ["contact"]


def test_an_agent_cannot_build_a_form(sol, login):
    browser = login(sol.agent)
    data = {**_builder_data(), "csrf_token": form_token(browser, "/")}

    assert browser.post(NEW, data=data).status_code == 403
    assert [f.slug for f in _forms(sol)] == ["contact"]


def test_two_agencies_may_each_have_a_contact_form(sol, luna, login, visitor):
    enable_plugin(luna.agency, PLUGIN)

    built = _post_builder(login(luna.manager), name="Contact Luna", slug="contact")

    assert built.status_code == 302
    assert [f.slug for f in _forms(luna)] == ["contact"] and [f.slug for f in _forms(sol)] == ["contact"]
    assert "Contact Luna" in visitor.open(f"/f/{luna.agency.slug}/contact").get_data(as_text=True)
    assert "Contact us" in visitor.open(f"/f/{sol.agency.slug}/contact").get_data(as_text=True)


# --- changing a form -----------------------------------------------------------------------


def test_the_edit_page_shows_the_form_as_it_is(sol, login):
    html = login(sol.manager).get(f"/marketing-forms/{sol.form.id}/edit").get_data(as_text=True)

    assert 'value="Contact us"' in html and 'value="contact"' in html
    assert "Tell us what you are looking for." in html
    assert 'name="ask_area" aria-label="Ask Area" checked' in html
    assert 'name="require_area" aria-label="Require Area">' in html


def test_editing_a_form_changes_it(sol, login, visitor):
    path = f"/marketing-forms/{sol.form.id}/edit"

    edited = _post_builder(
        login(sol.manager), path, name="Call me back", slug="contact", ask=("phone",), require=("phone",),
    )

    assert edited.status_code == 302
    assert edited.headers["Location"].endswith(f"/marketing-forms/{sol.form.id}")
    [form] = _forms(sol)
    assert (form.name, form.active) == ("Call me back", True)
    assert form.fields == [{"name": "phone", "required": True}]
    html = visitor.open(sol.path).get_data(as_text=True)
    assert "Call me back" in html and 'name="phone" required' in html and 'name="email"' not in html


def test_a_form_given_a_new_address_is_served_there_only(sol, login, visitor):
    _post_builder(login(sol.manager), f"/marketing-forms/{sol.form.id}/edit", slug="write-to-us")

    assert visitor.open(f"/f/{sol.agency.slug}/write-to-us").status_code == 200
    assert visitor.open(f"/f/{sol.agency.slug}/contact").status_code == 404


def test_a_form_keeps_its_own_address_when_edited(sol, login):
    other = sol.build(slug="other", name="Other")

    refused = _post_builder(login(sol.manager), f"/marketing-forms/{other.id}/edit", slug="contact")

    assert refused.status_code == 422
    assert "Another form of the agency already has this address." in refused.get_data(as_text=True)
    assert [f.slug for f in _forms(sol)] == ["contact", "other"]


def test_closing_a_form_makes_its_page_say_so(sol, login, visitor):
    browser = login(sol.manager)

    closed = _post_builder(
        browser, f"/marketing-forms/{sol.form.id}/edit", name="Contact us", slug="contact", active=None,
    )

    assert closed.status_code == 302
    assert _forms(sol)[0].active is False
    page = visitor.open(sol.path)
    assert page.status_code == 410 and "no longer takes enquiries" in page.get_data(as_text=True)
    detail = browser.get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)
    assert "This form is closed" in detail
    index = _rows(browser.get(INDEX).get_data(as_text=True))
    assert index["Contact us"]["State"] == "Closed"


def test_open_forms_are_listed_first_then_by_name(sol, login):
    sol.build(slug="b", name="Buy with us")
    sol.build(slug="a", name="Any question", active=False)
    sol.build(slug="z", name="Zone alerts")

    html = login(sol.manager).get(INDEX).get_data(as_text=True)

    names = ["Buy with us", "Contact us", "Zone alerts", "Any question"]
    assert sorted(names, key=html.index) == names
    assert _rows(html)["Any question"]["State"] == "Closed"


def test_editing_with_bad_input_changes_nothing(sol, login):
    refused = _post_builder(
        login(sol.manager), f"/marketing-forms/{sol.form.id}/edit", name="Renamed", slug="contact",
        redirect_url="mailto:sol@example.com",
    )

    assert refused.status_code == 422
    [form] = _forms(sol)
    assert (form.name, form.redirect_url) == ("Contact us", "")


# --- a form's page: its address and embed snippet, its submissions -------------------------


def test_the_form_page_shows_its_address_and_the_snippet_to_paste(sol, login):
    html = login(sol.manager).get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)

    url = f"http://localhost/f/{sol.agency.slug}/contact"
    assert f'<a href="{url}" target="_blank" rel="noopener">{url}</a>' in html
    assert f'&lt;iframe src="{url}" title="Contact us"' in html and "&lt;/iframe&gt;" in html
    assert "<iframe" not in html
    assert _pasted_iframe(html) | {"style": None, "loading": None} == {
        "src": url, "title": "Contact us", "style": None, "loading": None,
    }
    assert f"{url}?utm_source=newsletter&amp;utm_campaign=spring" in html


def test_a_forms_name_is_shown_escaped(sol, login):
    form = sol.build(slug="tricky", name="<script>alert(1)</script>")

    html = login(sol.manager).get(f"/marketing-forms/{form.id}").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_snippet_stays_valid_html_whatever_the_forms_name(sol, login):
    form = sol.build(slug="casa-azul", name='Visit "Casa Azul"')

    html = login(sol.manager).get(f"/marketing-forms/{form.id}").get_data(as_text=True)

    frame = _pasted_iframe(html)
    assert frame["title"] == 'Visit "Casa Azul"'
    assert frame["src"] == f"http://localhost/f/{sol.agency.slug}/casa-azul"


def test_a_form_without_submissions_says_so(sol, login):
    browser = login(sol.manager)

    detail = browser.get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)
    index = browser.get(INDEX).get_data(as_text=True)

    assert detail.count("No submissions yet.") == 2
    assert _rows(index)["Contact us"] == {"Form": "Contact us", "State": "Open"}
    assert "No submissions yet." in index


def test_an_agency_without_forms_is_invited_to_build_one(luna, login):
    enable_plugin(luna.agency, PLUGIN)

    html = login(luna.manager).get(INDEX).get_data(as_text=True)

    assert "No forms yet" in html and f'href="{NEW}"' in html


# --- figures -------------------------------------------------------------------------------


@pytest.fixture
def traffic(sol, visitor, make):
    """Enquiries through the contact form: Ana (twice) and Bea from the spring campaign, Carla
    from none, a known person from the autumn one; then Bea is given a visit and Carla is won.
    One more is still pending and one failed (both with no campaign). Returns the prospects by
    e-mail."""
    known = make.prospect(sol.manager, first_name="Known", email="known@example.com")
    for name, campaign in [("ana", "spring"), ("bea", "spring"), ("carla", ""), ("known", "autumn"),
                           ("ana", "spring")]:
        sent = visitor.send(sol.path, {
            "first_name": name.title(), "email": f"{name}@example.com", "utm_campaign": campaign,
        })
        assert sent.status_code == 200
    people = {p.email: p for p in sol.prospects()}
    assert people["known@example.com"].id == known.id and len(people) == 4
    flat = make.property(sol.manager)
    with tenancy.scope(sol.agency.id):
        visits.schedule_visit(sol.manager, {
            "property_id": flat.id, "prospect_id": people["bea@example.com"].id, "agent_id": sol.agent.id,
            "starts_at": (utcnow() + timedelta(days=2)).replace(microsecond=0).isoformat(),
            "duration_minutes": 45,
        })
        prospects.update_prospect(sol.manager, people["carla@example.com"], {"status": "won"})
    _keep(sol)
    _keep(sol, status=SubmissionStatus.FAILED, error="Some fields are not valid.")
    return people


def test_the_figures_of_a_form_count_each_prospect_once(sol, traffic):
    with tenancy.scope(sol.agency.id):
        by_form = figures.by_form(*THIS_YEAR)

    assert by_form == {sol.form.id: Figures(
        submissions=7, pending=1, failed=1, prospects=4, new_prospects=3, with_visit=1, won=1,
    )}


def test_the_figures_by_campaign_are_biggest_first(sol, traffic):
    with tenancy.scope(sol.agency.id):
        by_campaign = figures.by_campaign(sol.form.id, *THIS_YEAR)

    assert list(by_campaign.items()) == [
        ("", Figures(submissions=3, pending=1, failed=1, prospects=1, new_prospects=1, won=1)),
        ("spring", Figures(submissions=3, prospects=2, new_prospects=2, with_visit=1)),
        ("autumn", Figures(submissions=1, prospects=1)),
    ]


def test_the_forms_list_shows_each_forms_figures(sol, traffic, login):
    sol.build(slug="viewing", name="Viewing request")

    html = login(sol.manager).get(INDEX).get_data(as_text=True)

    rows = _rows(html)
    assert rows["Contact us"] == {
        "Form": "Contact us", "State": "Open", "Submissions": "7 (1 pending) (1 failed)",
        "Prospects": "4", "New": "3", "With a visit": "1", "Won": "1",
    }
    assert rows["Viewing request"] == {"Form": "Viewing request", "State": "Open"}
    assert f'href="/marketing-forms/{sol.form.id}"' in html


def test_the_form_page_shows_its_figures_by_campaign(sol, traffic, login):
    html = login(sol.manager).get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)

    rows = _rows(html)
    figure = ("Submissions", "Prospects", "New", "With a visit", "Won")
    assert [rows[c]["Campaign"] for c in ("(none)", "spring", "autumn")] == ["(none)", "spring", "autumn"]
    assert [rows["(none)"][k] for k in figure] == ["3 (1 pending) (1 failed)", "1", "1", "0", "1"]
    assert [rows["spring"][k] for k in figure] == ["3", "2", "2", "1", "0"]
    assert [rows["autumn"][k] for k in figure] == ["1", "1", "0", "0", "0"]
    assert [rows["All"][k] for k in figure] == ["7 (1 pending) (1 failed)", "4", "3", "1", "1"]
    assert html.index(">(none)<") < html.index(">spring<") < html.index(">autumn<")


def test_the_form_page_lists_the_latest_submissions_with_links_to_the_prospects(sol, traffic, login):
    html = login(sol.manager).get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)

    people = [("ana@example.com", "Ana"), ("bea@example.com", "Bea"), ("carla@example.com", "Carla"),
              ("known@example.com", "Known Test")]
    for email, name in people:
        assert f'<a href="/prospects/{traffic[email].id}">{name}</a>' in html
    assert html.count('<span class="badge">new</span>') == 3
    assert html.count("Processed") == 5
    assert "Waiting to be processed" in html
    assert "Failed: Some fields are not valid." in html and html.count("Process again") == 1
    latest = html.index("Latest submissions")
    assert html.index("Failed:", latest) < html.index("Waiting to be processed", latest) < html.index(
        f'href="/prospects/{traffic["ana@example.com"].id}"', latest
    )


def test_another_agencys_enquiries_are_not_counted(sol, luna, traffic, visitor, login):
    enable_plugin(luna.agency, PLUGIN)
    luna.configure()
    luna.form = luna.build()
    visitor.send(luna.path, {"first_name": "Zoe", "email": "zoe@example.com", "utm_campaign": "spring"})

    with tenancy.scope(sol.agency.id):
        assert figures.by_form(*THIS_YEAR)[sol.form.id].submissions == 7
        assert figures.by_campaign(sol.form.id, *THIS_YEAR)["spring"].submissions == 3
        assert luna.form.id not in figures.by_form(*THIS_YEAR)
    assert _rows(login(sol.manager).get(INDEX).get_data(as_text=True))["Contact us"]["Prospects"] == "4"
    assert _rows(login(luna.manager).get(INDEX).get_data(as_text=True))["Contact us"]["Submissions"] == "1"


# --- failed submissions, and processing them again ------------------------------------------


def test_a_submission_that_cannot_be_processed_fails_alone(sol):
    bad = _keep(sol, prospect_data={"first_name": "", "email": "dora@example.com", "source": "web_form"})
    good = _keep(sol, prospect_data={"first_name": "Eva", "email": "eva@example.com", "source": "web_form"})

    assert _process(sol) == 2

    failed, processed = _submission(sol, bad), _submission(sol, good)
    assert failed.status == SubmissionStatus.FAILED and failed.error and failed.prospect_id is None
    assert processed.status == SubmissionStatus.PROCESSED and processed.prospect_id is not None
    assert [p.email for p in sol.prospects()] == ["eva@example.com"]


def test_a_failed_submission_is_shown_with_a_button_to_process_it_again(sol, login):
    bad = _keep(sol, prospect_data={"first_name": "", "email": "dora@example.com", "source": "web_form"})
    _process(sol)

    html = login(sol.manager).get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)

    error = _submission(sol, bad).error
    assert error and f"Failed: {error}" in _text(html)
    assert f'action="/marketing-forms/{sol.form.id}/submissions/{bad}/retry"' in html
    assert "Process again" in html


def test_a_corrected_submission_is_processed_again_from_the_page(sol, login):
    bad = _keep(sol, prospect_data={"first_name": "", "email": "dora@example.com", "source": "web_form"})
    _process(sol)
    with tenancy.scope(sol.agency.id):
        row = db.session.get(FormSubmission, bad)
        row.prospect_data = {"first_name": "Dora", "email": "dora@example.com", "source": "web_form"}
        db.session.commit()
    browser = login(sol.manager)

    retried = _retry(browser, sol.form.id, bad)

    assert retried.status_code == 303
    assert retried.headers["Location"].endswith(f"/marketing-forms/{sol.form.id}")
    done = _submission(sol, bad)
    assert done.status == SubmissionStatus.PROCESSED and done.error == ""
    [prospect] = sol.prospects()
    assert (done.prospect_id, done.created_prospect, prospect.first_name) == (prospect.id, True, "Dora")
    html = browser.get(retried.headers["Location"]).get_data(as_text=True)
    assert "The submission is processed." in html and "Process again" not in html


def test_a_submission_that_fails_again_says_why(sol, login):
    bad = _keep(sol, prospect_data={"first_name": "", "email": "dora@example.com", "source": "web_form"})
    _process(sol)
    browser = login(sol.manager)

    retried = _retry(browser, sol.form.id, bad)

    assert retried.status_code == 303
    assert _submission(sol, bad).status == SubmissionStatus.FAILED
    assert "The submission failed again:" in browser.get(retried.headers["Location"]).get_data(as_text=True)
    assert sol.prospects() == []


def test_a_processed_submission_cannot_be_processed_again(sol, login, visitor):
    visitor.send(sol.path, {"first_name": "Eva", "email": "eva@example.com"})
    [sent] = sol.submissions()
    assert sent.status == SubmissionStatus.PROCESSED
    before = (sent.prospect_id, sent.processed_at)
    browser = login(sol.manager)

    refused = _retry(browser, sol.form.id, sent.id)

    assert refused.status_code == 303
    html = browser.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Only a submission that failed can be processed again." in html
    again = _submission(sol, sent.id)
    assert again.status == SubmissionStatus.PROCESSED and (again.prospect_id, again.processed_at) == before
    assert len(sol.prospects()) == 1


def test_retrying_needs_the_csrf_token(sol, login):
    bad = _keep(sol, status=SubmissionStatus.FAILED, error="boom")

    refused = login(sol.manager).post(f"/marketing-forms/{sol.form.id}/submissions/{bad}/retry")

    assert refused.status_code == 400
    assert _submission(sol, bad).status == SubmissionStatus.FAILED


def test_an_agent_cannot_process_a_submission_again(sol, login):
    bad = _keep(sol, status=SubmissionStatus.FAILED, error="boom")
    browser = login(sol.agent)
    token = form_token(browser, "/")
    path = f"/marketing-forms/{sol.form.id}/submissions/{bad}/retry"

    refused = browser.post(path, data={"csrf_token": token})

    assert refused.status_code == 403
    assert _submission(sol, bad).status == SubmissionStatus.FAILED and sol.prospects() == []


def test_a_submission_of_another_form_or_agency_is_not_found(sol, luna, login):
    enable_plugin(luna.agency, PLUGIN)
    luna.form = luna.build()
    theirs = _keep(luna, status=SubmissionStatus.FAILED, error="boom")
    other = sol.build(slug="other")
    elsewhere = _keep(sol, form=other, status=SubmissionStatus.FAILED, error="boom")
    browser = login(sol.manager)

    assert _retry(browser, luna.form.id, theirs).status_code == 404
    assert _retry(browser, sol.form.id, theirs).status_code == 404
    assert _retry(browser, sol.form.id, elsewhere).status_code == 404
    assert _retry(browser, sol.form.id, 2**31).status_code == 404
    assert _submission(luna, theirs).status == SubmissionStatus.FAILED
    assert _submission(sol, elsewhere).status == SubmissionStatus.FAILED
    assert sol.prospects() == [] and luna.prospects() == []


# --- the queue left unprocessed ------------------------------------------------------------


def test_submissions_waiting_for_long_mean_nothing_processes_them(sol, login):
    _keep(sol, received_at=utcnow() - timedelta(minutes=3))
    browser = login(sol.manager)

    assert STALLED in browser.get(INDEX).get_data(as_text=True)
    assert STALLED in browser.get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("status", "minutes"),
    [(SubmissionStatus.PENDING, 1), (SubmissionStatus.FAILED, 30), (SubmissionStatus.PROCESSED, 30)],
)
def test_no_warning_while_the_queue_is_worked_through(sol, login, status, minutes):
    _keep(sol, status=status, received_at=utcnow() - timedelta(minutes=minutes))
    browser = login(sol.manager)

    assert STALLED not in browser.get(INDEX).get_data(as_text=True)
    assert STALLED not in browser.get(f"/marketing-forms/{sol.form.id}").get_data(as_text=True)


def test_another_agencys_waiting_submissions_raise_no_warning(sol, luna, login):
    enable_plugin(luna.agency, PLUGIN)
    luna.form = luna.build()
    _keep(luna, received_at=utcnow() - timedelta(minutes=10))

    assert STALLED not in login(sol.manager).get(INDEX).get_data(as_text=True)
    assert STALLED in login(luna.manager).get(INDEX).get_data(as_text=True)


# --- tenant isolation ----------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/marketing-forms/{id}", "/marketing-forms/{id}/edit"])
def test_another_agencys_form_is_not_found(sol, luna, login, page):
    enable_plugin(luna.agency, PLUGIN)
    luna.form = luna.build(name="Luna's form")

    response = login(sol.manager).get(page.format(id=luna.form.id))

    assert response.status_code == 404 and "Luna" not in response.get_data(as_text=True)


def test_another_agencys_form_cannot_be_changed(sol, luna, login):
    enable_plugin(luna.agency, PLUGIN)
    luna.form = luna.build(name="Luna's form")
    browser = login(sol.manager)
    data = {**_builder_data(name="Taken over", slug="contact"), "csrf_token": form_token(browser, NEW)}

    assert browser.post(f"/marketing-forms/{luna.form.id}/edit", data=data).status_code == 404
    [form] = _forms(luna)
    assert (form.name, form.fields) == ("Luna's form", luna.form.fields)


def test_the_forms_list_shows_only_the_agencys_own_forms(sol, luna, login):
    enable_plugin(luna.agency, PLUGIN)
    luna.build(name="Luna's form")

    html = login(sol.manager).get(INDEX).get_data(as_text=True)

    assert "Contact us" in html and "Luna&#39;s form" not in html and "Luna's form" not in html


# --- the period of the figures ----------------------------------------------------------------


def _age(branch: Any, email: str, days: int) -> None:
    """Move the submissions from ``email`` back ``days`` days."""
    with tenancy.scope(branch.agency.id):
        for submission in db.session.scalars(select(FormSubmission)):
            if submission.prospect_data.get("email") == email:
                submission.received_at = utcnow() - timedelta(days=days)
        db.session.commit()


def test_the_figures_count_the_enquiries_received_in_the_period(sol, traffic):
    _age(sol, "bea@example.com", 40)
    _age(sol, "known@example.com", 200)
    with tenancy.scope(sol.agency.id):
        month = figures.of_form(sol.form.id, utcnow() - timedelta(days=30), utcnow() + timedelta(days=1))
        quarter = figures.of_form(sol.form.id, utcnow() - timedelta(days=90), utcnow() + timedelta(days=1))

    assert (month.submissions, month.prospects, month.with_visit) == (5, 2, 0)
    assert (quarter.submissions, quarter.prospects, quarter.with_visit) == (6, 3, 1)


def test_the_pages_show_the_last_90_days_unless_asked_otherwise(sol, traffic, login):
    _age(sol, "known@example.com", 200)
    browser = login(sol.manager)

    default = browser.get(INDEX).get_data(as_text=True)
    today = utcnow().astimezone(ZoneInfo(sol.agency.timezone)).date()  # the period is in the agency's days
    year = browser.get(INDEX, query_string={
        "date_from": (today - timedelta(days=365)).isoformat(),
        "date_to": today.isoformat(),
    }).get_data(as_text=True)

    assert _rows(default)["Contact us"]["Submissions"].startswith("6 ")
    assert "Figures of the enquiries received from" in default
    assert _rows(year)["Contact us"]["Submissions"].startswith("7 ")


def test_a_forms_page_filters_its_campaigns_by_the_period(sol, traffic, login):
    _age(sol, "known@example.com", 200)

    html = login(sol.manager).get(f"{INDEX}{sol.form.id}").get_data(as_text=True)

    assert "autumn" not in html.split("Latest submissions")[0]


@pytest.mark.parametrize("query", [
    {"date_from": "not-a-day"},
    {"date_from": "2026-06-30", "date_to": "2026-01-01"},
])
def test_a_bad_period_is_shown_as_an_error_and_the_last_90_days_are_used(sol, traffic, login, query):
    page = login(sol.manager).get(INDEX, query_string=query)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="error"' in html
    assert _rows(html)["Contact us"]["Submissions"].startswith("7 ")
