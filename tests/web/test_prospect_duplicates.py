"""A new prospect whose e-mail or phone is already known: flagged, and merged on request."""

from __future__ import annotations

from sqlalchemy import func, select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Prospect

FORM = {
    "first_name": "Ana",
    "last_name": "",
    "email": "",
    "phone": "",
    "source": "web_form",
    "status": "new",
    "tags": "",
    "operation": "",
    "areas": "",
}


def _prospects(agency_id: int) -> list[Prospect]:
    db.session.expire_all()
    with tenancy.scope(agency_id):
        return list(
            db.session.scalars(select(Prospect).order_by(Prospect.id).execution_options(include_deleted=True))
        )


def _kinds(prospect: Prospect) -> list[ActivityKind]:
    with tenancy.scope(prospect.agency_id):
        return list(
            db.session.scalars(
                select(Activity.kind).where(Activity.prospect_id == prospect.id).order_by(Activity.id)
            )
        )


def test_duplicate_email_is_flagged_with_a_link_to_the_existing_prospect(team, make, login, post):
    existing = make.prospect(team.agent, first_name="Ana", last_name="Ortega", email="ana@example.com")
    response = post(login(team.agent), "/prospects/new", {**FORM, "email": "ANA@Example.com"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This person is already in your records." in page
    assert f'<a href="/prospects/{existing.id}">Ana Ortega</a>' in page
    assert f'name="merge_into" value="{existing.id}"' in page
    assert "Add these details to Ana Ortega" in page
    assert 'id="email-error"' in page
    assert len(_prospects(team.agency.id)) == 1


def test_duplicate_phone_written_differently_is_flagged(team, make, login, post):
    make.prospect(team.agent, first_name="Pablo", phone="+34 611 22 33 44")
    response = post(login(team.agent), "/prospects/new", {**FORM, "phone": "611223344"})
    assert response.status_code == 409
    assert 'id="phone-error"' in response.get_data(as_text=True)
    assert len(_prospects(team.agency.id)) == 1


def test_merging_adds_the_details_to_the_existing_prospect_and_the_timeline(team, make, login, post):
    existing = make.prospect(
        team.agent, first_name="Ana", last_name="Ortega", email="ana@example.com", tags=["old"]
    )
    client = login(team.agent)
    form = {
        **FORM,
        "email": "ana@example.com",
        "phone": "600 111 222",
        "tags": "old, new",
        "operation": "rent",
        "areas": "Lavapiés",
        "max_price": "1200",
        "marketing_consent": "y",
    }
    response = post(client, "/prospects/new", {**form, "merge_into": str(existing.id)})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/prospects/{existing.id}")
    [merged] = _prospects(team.agency.id)
    assert merged.phone == "+34600111222"
    assert merged.tags == ["old", "new"]
    assert merged.operation == "rent" and merged.areas == ["Lavapiés"]
    assert merged.marketing_consent is True
    assert merged.last_name == "Ortega"  # kept, not overwritten
    assert ActivityKind.MERGED in _kinds(merged)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The details were added to Ana Ortega." in page
    assert "Merged a duplicate entry for Ana." in page
    assert "Alba Agent" in page


def test_merge_request_without_a_clash_just_creates(team, make, login, post):
    other = make.prospect(team.agent, first_name="Other", email="other@example.com")
    client = login(team.agent)
    response = post(
        client, "/prospects/new", {**FORM, "email": "fresh@example.com", "merge_into": str(other.id)}
    )
    assert response.status_code == 302
    prospects = _prospects(team.agency.id)
    assert len(prospects) == 2
    assert prospects[0].email == "other@example.com"  # untouched
    assert ActivityKind.MERGED not in _kinds(prospects[0])


def test_merge_into_another_record_than_the_clash_is_ignored(team, make, login, post):
    first = make.prospect(team.agent, first_name="First", email="first@example.com")
    second = make.prospect(team.agent, first_name="Second", email="second@example.com")
    response = post(
        login(team.agent),
        "/prospects/new",
        {**FORM, "email": "first@example.com", "merge_into": str(second.id)},
    )
    assert response.status_code == 409
    assert ActivityKind.MERGED not in _kinds(first) + _kinds(second)


def test_agent_is_not_shown_a_colleagues_duplicate(team, make, login, post):
    theirs = make.prospect(
        team.colleague, first_name="Secret", last_name="Person", email="secret@example.com"
    )
    client = login(team.agent)
    response = post(client, "/prospects/new", {**FORM, "email": "secret@example.com"})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "held by a colleague" in page
    assert "Secret Person" not in page and 'name="merge_into"' not in page
    forced = post(
        client, "/prospects/new", {**FORM, "email": "secret@example.com", "merge_into": str(theirs.id)}
    )
    assert forced.status_code == 409
    assert ActivityKind.MERGED not in _kinds(theirs)


def test_manager_merges_into_a_prospect_in_the_trash_which_comes_back(team, make, login, post):
    existing = make.prospect(team.agent, first_name="Binned", email="bin@example.com")
    client = login(team.manager)
    post(client, f"/prospects/{existing.id}/delete", page=f"/prospects/{existing.id}")
    response = post(client, "/prospects/new", {**FORM, "email": "bin@example.com"})
    assert response.status_code == 409
    assert "is in the trash" in response.get_data(as_text=True)
    merged = post(
        client, "/prospects/new", {**FORM, "email": "bin@example.com", "merge_into": str(existing.id)}
    )
    assert merged.status_code == 302
    assert client.get(f"/prospects/{existing.id}").status_code == 200


def test_duplicates_in_another_agency_do_not_count(team, make, login, post):
    make.prospect(team.outsider, first_name="Elsewhere", email="shared@example.com")
    response = post(login(team.agent), "/prospects/new", {**FORM, "email": "shared@example.com"})
    assert response.status_code == 302
    with tenancy.scope(team.agency.id):
        assert db.session.scalar(select(func.count()).select_from(Prospect)) == 1


def test_merge_with_invalid_extra_data_saves_nothing(team, make, login, post):
    existing = make.prospect(team.agent, first_name="Ana", email="ana@example.com")
    response = post(
        login(team.agent),
        "/prospects/new",
        {
            **FORM,
            "email": "ana@example.com",
            "min_price": "9",
            "max_price": "1",
            "merge_into": str(existing.id),
        },
    )
    assert response.status_code == 422
    assert ActivityKind.MERGED not in _kinds(existing)
