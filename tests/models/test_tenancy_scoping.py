"""Tenancy: every ORM query, bulk change and lookup is confined to the agency in scope."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from realty_crm import tenancy
from realty_crm.extensions import db
from realty_crm.models import (
    Activity,
    Agency,
    ApiToken,
    Call,
    FollowUp,
    Property,
    Prospect,
    ProspectStatus,
    User,
    utcnow,
)
from realty_crm.services import prospects

TENANT_MODELS = [Prospect, Property, Call, FollowUp, User]


def all_rows(model, column: str = "id", **where) -> set:
    """Values of ``column`` in every agency, read with Core (no scoping)."""
    table = model.__table__
    stmt = select(table.c[column])
    for name, value in where.items():
        stmt = stmt.where(table.c[name] == value)
    return set(db.session.scalars(stmt))


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_query_in_scope_returns_only_the_agencys_rows(tenants, model):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        seen = set(db.session.scalars(select(model.id)))
        loaded = db.session.scalars(select(model)).all()
    assert seen == a.ids(model)
    assert {obj.agency_id for obj in loaded} == {a.agency.id}
    with tenancy.scope(b.agency.id):
        assert set(db.session.scalars(select(model.id))) == b.ids(model)


def test_activities_and_tokens_are_scoped(tenants, make):
    a, b = tenants
    make.token(a.agent)
    make.token(b.agent)
    with tenancy.scope(a.agency.id):
        activities = db.session.scalars(select(Activity)).all()
        tokens = db.session.scalars(select(ApiToken)).all()
    assert activities and {x.agency_id for x in activities} == {a.agency.id}
    assert len(activities) == len(all_rows(Activity, agency_id=a.agency.id))
    assert [t.user_id for t in tokens] == [a.agent.id]


def test_switching_scope_back_and_forth_never_reuses_the_previous_agency(tenants):
    a, b = tenants
    for _ in range(3):
        for tenant in (a, b):
            with tenancy.scope(tenant.agency.id):
                assert db.session.scalars(select(Prospect.id)).all() == [tenant.prospect.id]


def test_filtering_on_another_agencys_id_finds_nothing(tenants):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        assert db.session.scalars(select(Prospect).where(Prospect.id == b.prospect.id)).first() is None
        assert db.session.scalars(select(Prospect).where(Prospect.agency_id == b.agency.id)).all() == []


def test_counts_joins_and_subqueries_are_scoped(tenants):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        assert db.session.scalar(select(func.count()).select_from(Prospect)) == 1
        assert db.session.scalar(select(func.count()).select_from(select(Prospect).subquery())) == 1
        joined = db.session.execute(select(Call.id, Prospect.id).join(Call.prospect)).all()
        assert joined == [(a.call.id, a.prospect.id)]
        inner = select(Prospect.id).where(Prospect.email == "same@example.com")
        assert db.session.scalars(select(Call.id).where(Call.prospect_id.in_(inner))).all() == [a.call.id]


def test_nested_scope_restores_the_outer_agency(tenants):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        with tenancy.scope(b.agency.id):
            assert tenancy.current_agency_id() == b.agency.id
        assert tenancy.current_agency_id() == a.agency.id
        assert db.session.scalars(select(Prospect.id)).all() == [a.prospect.id]


def test_bulk_update_touches_only_the_scoped_agency(tenants):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        result = db.session.execute(
            update(Prospect).values(status=ProspectStatus.QUALIFIED).execution_options(synchronize_session=False)
        )
        assert result.rowcount == 1
        aimed = db.session.execute(
            update(Prospect)
            .where(Prospect.id == b.prospect.id)
            .values(first_name="Hijacked")
            .execution_options(synchronize_session=False)
        )
        assert aimed.rowcount == 0
        db.session.commit()
    assert all_rows(Prospect, "status", agency_id=a.agency.id) == {"qualified"}
    assert all_rows(Prospect, "status", agency_id=b.agency.id) == {"contacted"}
    assert all_rows(Prospect, "first_name", agency_id=b.agency.id) == {"Lead of Beta"}


@pytest.mark.parametrize("sync", ["auto", "evaluate", "fetch"])
def test_bulk_update_with_session_sync_touches_only_the_scoped_agency(tenants, sync):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        loaded = db.session.scalars(select(Prospect)).all()
        db.session.execute(
            update(Prospect).values(last_name="Bulk").execution_options(synchronize_session=sync)
        )
        assert [p.last_name for p in loaded] == ["Bulk"]
        db.session.execute(delete(Call).execution_options(synchronize_session=sync))
        db.session.commit()
    assert all_rows(Prospect, "last_name", agency_id=b.agency.id) == {"Test"}
    assert all_rows(Call) == {b.call.id}


def test_bulk_delete_touches_only_the_scoped_agency(tenants):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        db.session.execute(delete(FollowUp).execution_options(synchronize_session=False))
        aimed = delete(Call).where(Call.id == b.call.id)
        db.session.execute(aimed.execution_options(synchronize_session=False))
        db.session.commit()
    assert all_rows(FollowUp, agency_id=a.agency.id) == set()
    assert all_rows(FollowUp, agency_id=b.agency.id) == {b.follow_up.id}
    assert all_rows(Call) == {a.call.id, b.call.id}


def test_get_or_404_loads_the_agencys_own_record(tenants):
    a, _ = tenants
    with tenancy.scope(a.agency.id):
        assert tenancy.get_or_404(Prospect, a.prospect.id).id == a.prospect.id
        assert tenancy.get_or_404(Property, str(a.property.id)).id == a.property.id


@pytest.mark.parametrize("model", TENANT_MODELS, ids=lambda m: m.__name__)
def test_get_or_404_with_another_agencys_id_is_404(tenants, model):
    a, b = tenants
    with tenancy.scope(a.agency.id):
        for ident in b.ids(model):
            with pytest.raises(NotFound):
                tenancy.get_or_404(model, ident)


def test_get_or_404_ignores_a_record_already_in_the_session(tenants):
    a, b = tenants
    db.session.get(Prospect, b.prospect.id)  # B's prospect now sits in the identity map
    with tenancy.scope(a.agency.id), pytest.raises(NotFound):
        tenancy.get_or_404(Prospect, b.prospect.id)


@pytest.mark.parametrize("ident", ["abc", None, "", "1.5", -1, 0, 2**31, 10**30, "9" * 40])
def test_get_or_404_with_a_malformed_id_is_404(tenants, ident):
    a, _ = tenants
    with tenancy.scope(a.agency.id), pytest.raises(NotFound):
        tenancy.get_or_404(Prospect, ident)


def test_relationships_load_within_the_scope(tenants):
    a, _ = tenants
    with tenancy.scope(a.agency.id):
        db.session.expire_all()
        call = tenancy.get_or_404(Call, a.call.id)
        assert call.prospect.id == a.prospect.id
        assert call.agent.id == a.agent.id
        assert call.prospect.assigned_agent.id == a.agent.id
        follow_up = tenancy.get_or_404(FollowUp, a.follow_up.id)
        assert follow_up.assignee.id == a.agent.id
        prop = tenancy.get_or_404(Property, a.property.id)
        assert prop.listing_agent.id == a.agent.id
        entries = db.session.scalars(select(Activity).options(selectinload(Activity.actor))).all()
        assert {e.actor.id for e in entries if e.actor} <= {a.agent.id, a.manager.id}
        users = db.session.scalars(select(User).options(selectinload(User.agency))).all()
        assert {u.agency.slug for u in users} == {a.agency.slug}


def test_a_call_still_shows_its_soft_deleted_prospect(tenants):
    a, _ = tenants
    prospects.delete_prospect(a.manager, a.prospect)
    with tenancy.scope(a.agency.id):
        db.session.expire_all()
        call = tenancy.get_or_404(Call, a.call.id)
        assert call.prospect.id == a.prospect.id
        assert call.prospect.is_deleted


@pytest.mark.parametrize("model", [Prospect, Property], ids=lambda m: m.__name__)
def test_soft_deleted_rows_are_hidden_unless_asked_for(tenants, model):
    a, _ = tenants
    record = a.prospect if model is Prospect else a.property
    with tenancy.scope(a.agency.id):
        record.deleted_at = utcnow()
        db.session.commit()
        assert db.session.scalars(select(model)).all() == []
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
        with pytest.raises(NotFound):
            tenancy.get_or_404(model, record.id)
        shown = db.session.scalars(select(model).execution_options(include_deleted=True)).all()
        assert [x.id for x in shown] == [record.id]
        assert tenancy.get_or_404(model, record.id, include_deleted=True).id == record.id


def test_tenant_query_in_a_request_with_no_agency_in_scope_raises(app, tenants):
    with app.test_request_context("/"):
        statements = (
            select(Prospect), select(Call.id), select(func.count(User.id)), update(Property).values(city="X")
        )
        for stmt in statements:
            with pytest.raises(tenancy.TenancyError):
                db.session.execute(stmt)
        db.session.rollback()
        # agencies are not tenant-owned, and the login lookups say they look across agencies
        assert len(db.session.scalars(select(Agency)).all()) == 2
        assert db.session.scalars(select(User).execution_options(**tenancy.unscoped())).all()


def test_scope_inside_a_request_confines_the_request(app, tenants):
    a, _ = tenants
    with app.test_request_context("/"):
        tenancy.enter(a.agency.id)
        assert db.session.scalars(select(Prospect.id)).all() == [a.prospect.id]

