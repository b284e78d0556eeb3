"""A prospect's timeline is one list: the page and ``GET /api/v1/prospects/<id>/timeline`` show
the same entries (stored ones and the items of the agency's plugins) in the same order and
words, page by page."""

from __future__ import annotations

import html as markup
import re
from datetime import timedelta
from typing import Any

import pytest

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, Prospect, User
from realty_crm.services import prospects, timeline

ENTRY = re.compile(r'<li class="kind-([^"]*)">(.*?)</li>\s*(?=<li|</ol>)', re.S)
SUMMARY = re.compile(r'<p class="summary">(.*?)</p>', re.S)


def page_entries(client: Any, prospect: Prospect) -> list[tuple[str, str]]:
    """``(kind, text)`` of each entry of the prospect's page timeline, top to bottom."""
    html = client.get(f"/prospects/{prospect.id}").get_data(as_text=True)
    section = html[html.index('id="timeline"') :]
    entries = []
    for kind, body in ENTRY.findall(section):
        text = SUMMARY.search(body)
        entries.append((kind, markup.unescape(text.group(1)) if text else ""))
    return entries


def api_entries(client: Any, prospect: Prospect, **query: Any) -> list[tuple[str, str]]:
    answer = client.get(f"/api/v1/prospects/{prospect.id}/timeline", query_string={"per_page": 200, **query})
    assert answer.status_code == 200
    return [(item["kind"], item["summary"]) for item in answer.get_json()["items"]]


def speaks(user: User, language: str) -> None:
    user.locale = language
    db.session.commit()


@pytest.fixture
def busy_prospect(team, make, book, enable, test_plugins) -> Prospect:
    """A prospect with a call, a visit, a note, a status change and the Showcase plugin's items,
    one of them between the stored entries."""
    prospect = make.prospect(team.manager, first_name="Ana", assigned_agent_id=team.agent.id)
    make.call(team.agent, prospect)
    book(team.agent, make.property(team.manager), prospect)
    with tenancy.scope(team.agency.id):
        prospects.add_note(team.agent, prospect, "Wants a terrace.")
        test_plugins.showcase.when = db.session.scalars(
            db.select(Activity.occurred_at).where(Activity.prospect_id == prospect.id)
        ).all()[1] + timedelta(microseconds=1)
        prospects.update_prospect(team.manager, prospect, {"status": "contacted"})
    enable(team.agency, "showcase")
    return prospect


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_page_and_the_api_show_the_same_entries_in_the_same_order(
    team, login, api, busy_prospect, language
):
    speaks(team.agent, language)

    on_page = page_entries(login(team.agent), busy_prospect)
    in_api = api_entries(api(team.agent), busy_prospect)

    assert on_page == in_api
    kinds = [kind for kind, _ in in_api]
    assert {"created", "call", "visit", "note", "status_changed", "mailing", "future"} <= set(kinds)
    assert kinds[0] == "future"
    assert kinds.index("status_changed") < kinds.index("mailing") < kinds.index("created")
    assert ("mailing", "Newsletter to Ana") in in_api
    created = dict((kind, text) for kind, text in in_api)["created"]
    assert created == ("Prospect created (source: Other)." if language == "en"
                       else "Interesado creado (origen: Otro).")


def test_a_plugin_item_in_the_api_has_no_id_and_its_plugin_as_source(team, api, busy_prospect):
    items = api(team.agent).get(f"/api/v1/prospects/{busy_prospect.id}/timeline").get_json()["items"]

    mailing = next(item for item in items if item["kind"] == "mailing")
    assert mailing["id"] is None and mailing["source"] == "showcase"
    assert mailing["prospect_id"] == busy_prospect.id and mailing["actor_id"] is None
    assert all(isinstance(item["id"], int) for item in items if item["source"] == "core")


@pytest.mark.parametrize("per_page", [1, 2, 3, 4, 5])
def test_pages_of_the_timeline_follow_on_across_plugin_items(team, api, busy_prospect, per_page):
    client = api(team.agent)
    whole = api_entries(client, busy_prospect)

    first = client.get(f"/api/v1/prospects/{busy_prospect.id}/timeline?per_page={per_page}").get_json()
    pages = -(-first["total"] // per_page)
    read = [entry for page in range(1, pages + 2) for entry in api_entries(client, busy_prospect,
                                                                            page=page, per_page=per_page)]

    assert first["total"] == len(whole) == 10
    assert read == whole


def test_a_plugin_item_at_the_same_instant_comes_after_the_stored_entry(team, make, enable, test_plugins):
    prospect = make.prospect(team.manager)
    with tenancy.scope(team.agency.id):
        created = db.session.scalars(db.select(Activity).where(Activity.prospect_id == prospect.id)).one()
        test_plugins.showcase.when = created.occurred_at
        enable(team.agency, "showcase")
        for per_page in (1, 2, 3):
            pages = [timeline.prospect_timeline(team.manager, prospect, page=page, per_page=per_page).items
                     for page in (1, 2, 3)]
            assert [entry.kind for page in pages for entry in page] == ["future", "created", "mailing"]


def test_the_kind_filter_keeps_stored_entries_only(team, api, busy_prospect):
    answer = api(team.agent).get(f"/api/v1/prospects/{busy_prospect.id}/timeline?kind=note").get_json()

    assert [item["kind"] for item in answer["items"]] == ["note"] and answer["total"] == 1


def test_plugin_items_only_where_the_plugin_is_enabled(team, make, api, login, enable):
    enable(team.agency, "showcase")
    theirs = make.prospect(team.outsider)

    in_api = api_entries(api(team.outsider), theirs)

    assert [kind for kind, _ in in_api] == ["created"]
    assert page_entries(login(team.outsider), theirs) == in_api


def test_another_agencys_prospect_timeline_is_not_found(team, make, api, busy_prospect):
    answer = api(team.outsider).get(f"/api/v1/prospects/{busy_prospect.id}/timeline")

    assert answer.status_code == 404
    assert "Newsletter" not in answer.get_data(as_text=True)


def test_an_agent_who_cannot_see_the_prospect_cannot_read_its_timeline(team, make, api, enable):
    enable(team.agency, "showcase")
    prospect = make.prospect(team.manager)  # unassigned, and agents do not see the pool

    answer = api(team.agent).get(f"/api/v1/prospects/{prospect.id}/timeline")

    assert answer.status_code == api(team.agent).get(f"/api/v1/prospects/{prospect.id}").status_code == 403
    assert "Newsletter" not in answer.get_data(as_text=True)


def test_a_failing_timeline_hook_breaks_neither_the_api_nor_the_page(team, api, login, enable, busy_prospect):
    enable(team.agency, "boom")

    in_api = api_entries(api(team.agent), busy_prospect)

    assert ("mailing", "Newsletter to Ana") in in_api
    assert page_entries(login(team.agent), busy_prospect) == in_api
