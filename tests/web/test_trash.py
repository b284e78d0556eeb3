"""The trash: staff see soft-deleted prospects and properties and restore them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import Activity, ActivityKind, Property, Prospect
from realty_crm.services import properties, prospects


def _delete_prospect(user, prospect):
    with tenancy.scope(user.agency_id):
        prospects.delete_prospect(user, prospect)


def _delete_property(user, prop):
    with tenancy.scope(user.agency_id):
        properties.delete_property(user, prop)


@pytest.mark.parametrize("role", ["admin", "manager"])
def test_staff_see_deleted_prospects_and_properties(team, make, login, role):
    prospect = make.prospect(team.agent, first_name="Deleted", last_name="Person", email="del@example.com")
    prop = make.property(team.agent, reference="DEL-1", title="Deleted flat")
    _delete_prospect(team.manager, prospect)
    _delete_property(team.manager, prop)
    client = login(getattr(team, role))
    prospects_page = client.get("/trash").get_data(as_text=True)
    assert "Deleted Person" in prospects_page and "Manu Manager" in prospects_page
    assert "DEL-1" not in prospects_page
    properties_page = client.get("/trash?kind=properties").get_data(as_text=True)
    assert "DEL-1 · Deleted flat" in properties_page and "Deleted Person" not in properties_page


def test_trash_is_empty_at_first(team, login):
    client = login(team.manager)
    assert "The trash is empty." in client.get("/trash").get_data(as_text=True)
    assert "The trash is empty." in client.get("/trash?kind=properties").get_data(as_text=True)
    assert client.get("/trash?kind=bogus").status_code == 200


def test_agent_cannot_open_the_trash(team, make, login, post):
    prospect = make.prospect(team.agent)
    _delete_prospect(team.manager, prospect)
    client = login(team.agent)
    assert client.get("/trash").status_code == 403
    assert post(client, f"/trash/prospects/{prospect.id}/restore", page="/").status_code == 403
    assert "/trash" not in client.get("/").get_data(as_text=True)


def test_restoring_a_prospect_brings_it_back_with_a_timeline_entry(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Back")
    _delete_prospect(team.manager, prospect)
    client = login(team.manager)
    response = post(client, f"/trash/prospects/{prospect.id}/restore", page="/trash")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/prospects/{prospect.id}")
    assert client.get(f"/prospects/{prospect.id}").status_code == 200
    assert "Back" not in client.get("/trash").get_data(as_text=True)
    with tenancy.scope(team.agency.id):
        last = db.session.scalars(
            select(Activity).where(Activity.prospect_id == prospect.id).order_by(Activity.id.desc())
        ).first()
    assert last.kind == ActivityKind.RESTORED and last.actor_id == team.manager.id


def test_restoring_a_property(team, make, login, post):
    prop = make.property(team.agent, reference="BACK-1")
    _delete_property(team.admin, prop)
    client = login(team.admin)
    response = post(client, f"/trash/properties/{prop.id}/restore", page="/trash")
    assert response.status_code == 302
    assert client.get(f"/properties/{prop.id}").status_code == 200
    assert "BACK-1" in client.get("/properties").get_data(as_text=True)


def test_erased_prospects_are_not_in_the_trash_and_cannot_be_restored(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Forgotten")
    with tenancy.scope(team.agency.id):
        prospects.erase_prospect(team.admin, prospect)
    client = login(team.admin)
    assert "Erased" not in client.get("/trash").get_data(as_text=True)
    assert post(client, f"/trash/prospects/{prospect.id}/restore", page="/trash").status_code == 404


def test_admin_can_erase_from_the_trash(team, make, login, post):
    prospect = make.prospect(team.agent, first_name="Trashed")
    _delete_prospect(team.manager, prospect)
    client = login(team.admin)
    assert f"/prospects/{prospect.id}/erase" in client.get("/trash").get_data(as_text=True)
    assert f"/prospects/{prospect.id}/erase" not in login(team.manager).get("/trash").get_data(as_text=True)
    response = post(client, f"/prospects/{prospect.id}/erase", {"confirm": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    with tenancy.scope(team.agency.id):
        erased = db.session.scalars(
            select(Prospect).where(Prospect.id == prospect.id).execution_options(include_deleted=True)
        ).one()
    assert erased.erased_at is not None


@pytest.mark.parametrize("kind", ["prospects", "properties"])
def test_records_not_in_the_trash_cannot_be_restored(team, make, login, post, kind):
    record = make.prospect(team.agent) if kind == "prospects" else make.property(team.agent)
    response = post(login(team.manager), f"/trash/{kind}/{record.id}/restore", page="/trash")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["prospects", "properties"])
def test_another_agencys_deleted_records_are_not_found(team, make, login, post, kind):
    if kind == "prospects":
        record = make.prospect(team.outsider, first_name="Foreign")
        _delete_prospect(team.outsider, record)
    else:
        record = make.property(team.outsider, reference="FOREIGN-1", title="Foreign flat")
        _delete_property(team.outsider, record)
    client = login(team.admin)
    assert post(client, f"/trash/{kind}/{record.id}/restore", page="/trash").status_code == 404
    assert "Foreign" not in client.get(f"/trash?kind={kind}").get_data(as_text=True)
    model = Prospect if kind == "prospects" else Property
    db.session.expire_all()
    with tenancy.scope(team.other_agency.id):
        still = db.session.scalars(
            select(model).where(model.id == record.id).execution_options(include_deleted=True)
        ).one()
    assert still.deleted_at is not None


def test_trash_is_paginated(team, make, login):
    for n in range(27):
        prospect = make.prospect(team.agent, first_name=f"Bin{n:02d}")
        _delete_prospect(team.manager, prospect)
    client = login(team.manager)
    first = client.get("/trash").get_data(as_text=True)
    assert "Page 1 of 2" in first and "Bin26" in first and "Bin00" not in first
    second = client.get("/trash?kind=prospects&page=2").get_data(as_text=True)
    assert "Bin00" in second and "Bin01" in second
