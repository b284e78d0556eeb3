"""Upgrading a database made by the first release: its schema (the first migration) with data
written as that release wrote it, migrated to the current heads, still read by the app."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from realty_crm.extensions import db
from realty_crm.health import migration_heads
from realty_crm.testing.factories import PASSWORD, form_token

from .conftest import migrate_to

pytestmark = pytest.mark.timeout(300)

FIRST_RELEASE = "0001_core"
TOKEN = "rcrm_first-release-token-0123456789abcdefghijklmnop"

# rows as the first release's code wrote them; {ts} values are filled per database below
ROWS = [
    "INSERT INTO agencies (id, name, slug, timezone, locale, currency, assignment_rule, "
    "agents_see_unassigned, default_visit_minutes, settings, created_at) VALUES "
    "(1, 'Inmobiliaria Primera', 'primera', 'Europe/Madrid', 'es', 'EUR', 'round_robin', "
    "true, 45, '{}', {t0})",
    "INSERT INTO agencies (id, name, slug, timezone, locale, currency, assignment_rule, "
    "agents_see_unassigned, default_visit_minutes, settings, created_at) VALUES "
    "(2, 'Otra Agencia', 'otra', 'UTC', 'en', 'GBP', 'manual', false, 30, '{}', {t0})",
    "INSERT INTO users (id, email, name, phone, role, active, password_hash, areas, languages, "
    "locale, timezone, created_at, agency_id) VALUES "
    "(1, 'admin@primera.example.com', 'Ada Admin', NULL, 'admin', true, :hash, '[]', '[\"es\"]', "
    "NULL, NULL, {t0}, 1)",
    "INSERT INTO users (id, email, name, phone, role, active, password_hash, areas, languages, "
    "locale, timezone, created_at, agency_id) VALUES "
    "(2, 'agent@primera.example.com', 'Alba Agente', '+34600111222', 'agent', true, :hash, "
    "'[\"Chamberí\"]', '[\"es\", \"en\"]', 'en', NULL, {t0}, 1)",
    "INSERT INTO users (id, email, name, phone, role, active, password_hash, areas, languages, "
    "locale, timezone, created_at, agency_id) VALUES "
    "(3, 'agent@otra.example.com', 'Olly Other', NULL, 'agent', true, :hash, '[]', '[]', NULL, "
    "NULL, {t0}, 2)",
    "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, created_at, agency_id) VALUES "
    "(1, 2, 'old script', :token_hash, 'rcrm_firs', {t0}, 1)",
    "INSERT INTO prospects (id, first_name, last_name, email, phone, source, source_detail, status, "
    "assigned_agent_id, marketing_consent, tags, notes, operation, property_types, min_price, "
    "max_price, min_bedrooms, min_area_m2, areas, last_contacted_at, next_follow_up_at, "
    "first_contacted_at, search_text, agency_id, created_at, updated_at) VALUES "
    "(1, 'Lucía', 'Desde-Primera', 'lucia@example.com', '+34600999888', 'portal', 'idealista', "
    "'contacted', 2, true, '[\"vip\"]', 'Wants a terrace.', 'buy', '[\"flat\", \"penthouse\"]', "
    "200000.00, 400000.00, 2, 70, '[\"Chamberí\", \"Salamanca\"]', {t1}, {t3}, {t1}, "
    "'lucía desde-primera lucia@example.com +34600999888', 1, {t0}, {t1})",
    "INSERT INTO prospects (id, first_name, last_name, email, phone, source, source_detail, status, "
    "assigned_agent_id, marketing_consent, tags, notes, operation, property_types, min_price, "
    "max_price, min_bedrooms, min_area_m2, areas, search_text, agency_id, created_at, updated_at) "
    "VALUES (2, 'Other', 'Tenant', NULL, NULL, 'phone', NULL, 'new', 3, false, '[]', NULL, NULL, "
    "'[]', NULL, NULL, NULL, NULL, '[]', 'other tenant', 2, {t0}, {t0})",
    "INSERT INTO properties (id, reference, title, description, operation, property_type, status, "
    "price, address, city, area, postcode, bedrooms, bathrooms, area_m2, features, owner_id, "
    "listing_agent_id, published_at, search_text, agency_id, created_at, updated_at) VALUES "
    "(1, 'PRI-0001', 'Ático con terraza', 'Luminoso.', 'sale', 'penthouse', 'available', "
    "350000.00, 'Calle Mayor 1', 'Madrid', 'Chamberí', '28010', 3, 2, 95, '[\"terrace\"]', NULL, "
    "2, {t0}, 'pri-0001 ático con terraza madrid chamberí', 1, {t0}, {t0})",
    "INSERT INTO calls (id, prospect_id, agent_id, direction, occurred_at, duration_seconds, "
    "outcome, summary, created_at, agency_id) VALUES "
    "(1, 1, 2, 'outbound', {t1}, 240, 'answered', 'Habló de áticos con terraza.', {t1}, 1)",
    "INSERT INTO follow_ups (id, prospect_id, assignee_id, due_at, title, done_at, created_at, "
    "created_by_id, agency_id) VALUES (1, 1, 2, {t3}, 'Send the penthouse dossier', NULL, {t1}, 2, 1)",
    "INSERT INTO visits (id, property_id, prospect_id, agent_id, starts_at, ends_at, status, "
    "cancel_reason, feedback, rating, sequence, agency_id, created_at, updated_at) VALUES "
    "(1, 1, 1, 2, {t2}, {t2_end}, 'done', NULL, 'Loved the terrace.', 5, 0, 1, {t1}, {t2_end})",
    "INSERT INTO activities (id, kind, occurred_at, actor_id, prospect_id, property_id, subject_id, "
    "summary, data, source, agency_id) VALUES "
    "(1, 'call', {t1}, 2, 1, NULL, 1, 'Habló de áticos con terraza.', '{\"direction\": "
    "\"outbound\", \"outcome\": \"answered\", \"duration_seconds\": 240, \"agent_id\": 2}', "
    "'web', 1)",
]
TIMES = {
    "t0": "2026-11-24 09:00:00", "t1": "2026-11-25 10:30:00", "t2": "2026-11-26 17:00:00",
    "t2_end": "2026-11-26 17:45:00", "t3": "2027-01-15 09:00:00",
}
SEQUENCES = ("agencies", "users", "api_tokens", "prospects", "properties", "calls", "follow_ups",
             "visits", "activities")


def _literal(value: str, dialect: str) -> str:
    """A UTC time as the first release stored it: naive text on SQLite, timestamptz on PostgreSQL."""
    return f"'{value}.000000'" if dialect == "sqlite" else f"'{value}+00'"


def write_first_release_data(app: Flask) -> None:
    """Fill a database at the first revision with rows in that schema, by SQL."""
    with app.app_context(), db.engine.begin() as conn:
        dialect = conn.dialect.name
        params: dict[str, Any] = {
            "hash": generate_password_hash(PASSWORD, method="pbkdf2:sha256:1"),
            "token_hash": hashlib.sha256(TOKEN.encode()).hexdigest(),
        }
        for statement in ROWS:
            for key, value in TIMES.items():
                statement = statement.replace("{" + key + "}", _literal(value, dialect))
            conn.execute(text(statement), {k: v for k, v in params.items() if f":{k}" in statement})
        if dialect == "postgresql":  # rows inserted with their ids: move the id sequences on
            for table in SEQUENCES:
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT MAX(id) FROM {table}))"))
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def upgraded(app_on: Callable[..., Flask], own_database: str) -> Flask:
    """An app on a database made by the first release, with its data, migrated to the heads."""
    app = app_on(own_database)
    migrate_to(app, FIRST_RELEASE)
    write_first_release_data(app)
    migrate_to(app, "heads")
    return app


def _sign_in(app: Flask, email: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={
        "email": email, "password": PASSWORD, "csrf_token": form_token(client, "/login"),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def test_the_upgraded_database_is_at_the_heads(upgraded: Flask) -> None:
    with upgraded.app_context(), db.engine.connect() as conn:
        revisions = set(conn.scalars(text("SELECT version_num FROM alembic_version")))

    assert revisions == migration_heads(upgraded)
    assert upgraded.test_client().get("/readyz").status_code == 200


def test_the_first_release_data_survives_and_pages_show_it(upgraded: Flask) -> None:
    agent = _sign_in(upgraded, "agent@primera.example.com")

    listing = agent.get("/prospects").get_data(as_text=True)
    page = agent.get("/prospects/1")
    prospect_page = page.get_data(as_text=True)
    visit = agent.get("/visits/1")

    assert "Lucía" in listing and "Desde-Primera" in listing
    assert page.status_code == 200
    for shown in ("Lucía", "lucia@example.com", "Habló de áticos con terraza.",
                  "Send the penthouse dossier", "Ático con terraza"):
        assert shown in prospect_page, shown
    assert visit.status_code == 200
    assert "Loved the terrace." in visit.get_data(as_text=True)
    assert agent.get("/prospects/2").status_code == 404  # the other agency's, still apart


def test_the_first_release_data_is_read_by_the_api_with_an_old_token(upgraded: Flask) -> None:
    client = upgraded.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    prospect = client.get("/api/v1/prospects/1", headers=headers)
    listing = client.get("/api/v1/properties/1", headers=headers)
    calls = client.get("/api/v1/calls", headers=headers)
    other_agency = client.get("/api/v1/prospects/2", headers=headers)

    assert prospect.status_code == 200, prospect.get_data(as_text=True)
    body = prospect.get_json()
    assert (body["first_name"], body["email"], body["status"]) == ("Lucía", "lucia@example.com",
                                                                    "contacted")
    assert body["requirements"]["areas"] == ["Chamberí", "Salamanca"]
    assert body["next_follow_up_at"].startswith("2027-01-15T09:00:00")
    assert body["assigned_agent_id"] == 2
    assert listing.status_code == 200
    assert listing.get_json()["reference"] == "PRI-0001"
    assert [c["summary"] for c in calls.get_json()["items"]] == ["Habló de áticos con terraza."]
    assert other_agency.status_code == 404


def test_new_rows_after_the_upgrade_get_fresh_ids(upgraded: Flask) -> None:
    client = upgraded.test_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}

    created = client.post("/api/v1/prospects", headers=headers,
                          json={"first_name": "Nuevo", "last_name": "Tras-Actualizar"})

    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["id"] > 2


def test_migrations_fill_the_derived_tables_from_first_release_rows(upgraded: Flask) -> None:
    with upgraded.app_context(), db.engine.connect() as conn:
        areas = conn.execute(text(
            "SELECT prospect_id, area, operation, is_open FROM prospect_areas ORDER BY prospect_id, area"
        )).all()

    assert [(p, a, o, bool(i)) for p, a, o, i in areas] == [
        (1, "chamberí", "buy", True), (1, "salamanca", "buy", True), (2, "*", None, True),
    ]
