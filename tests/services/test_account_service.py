"""Agencies, users, passwords and API tokens."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from realty_crm.errors import Conflict, Forbidden, ValidationFailed
from realty_crm.extensions import db
from realty_crm.models import Agency, ApiToken, Role, User
from realty_crm.services import accounts
from realty_crm.testing.factories import PASSWORD

# --- agencies -----------------------------------------------------------------------------------


def test_create_agency_derives_a_url_safe_slug(app):
    agency = accounts.create_agency("Pisos Sol, S.L. — Málaga")
    assert agency.slug == "pisos-sol-s-l-malaga"
    assert agency.timezone == "Europe/Madrid"


@pytest.mark.parametrize("slug", ["Bad Slug", "UPPER", "-lead", "trail-", "a" * 64, "ñandú", "a_b", "a/b"])
def test_create_agency_refuses_a_bad_slug(app, count, slug):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_agency("Pisos Sol", slug)
    assert set(exc.value.details) == {"slug"}
    assert count(Agency) == 0


def test_create_agency_refuses_a_name_without_slug_material(app, count):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_agency("🏠🏠")
    assert "slug" in exc.value.details
    assert count(Agency) == 0


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_create_agency_refuses_an_empty_or_long_name(app, count, name):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_agency(name, "pisos-sol")
    assert set(exc.value.details) == {"name"}
    assert count(Agency) == 0


@pytest.mark.parametrize("tz", ["Mars/Olympus", "madrid", "", "UTC+2"])
def test_create_agency_refuses_an_unknown_time_zone(app, count, tz):
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_agency("Pisos Sol", "pisos-sol", tz)
    assert set(exc.value.details) == {"timezone"}
    assert count(Agency) == 0


def test_create_agency_refuses_a_taken_slug(app, count):
    accounts.create_agency("Pisos Sol", "pisos-sol")
    with pytest.raises(Conflict) as exc:
        accounts.create_agency("Other", "pisos-sol")
    assert set(exc.value.details) == {"slug"}
    assert count(Agency) == 1


def test_update_agency_is_for_admins(team):
    updated = accounts.update_agency(
        team.admin, {"timezone": "Atlantic/Canary", "agents_see_unassigned": True}
    )
    assert updated.timezone == "Atlantic/Canary" and updated.agents_see_unassigned is True
    with pytest.raises(Forbidden):
        accounts.update_agency(team.manager, {"name": "Mine"})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"timezone": "Nowhere/City"}, "timezone"),
        ({"locale": "fr"}, "locale"),
        ({"currency": "euro"}, "currency"),
        ({"assignment_rule": "lottery"}, "assignment_rule"),
        ({"default_visit_minutes": 1}, "default_visit_minutes"),
        ({"name": ""}, "name"),
        ({"slug": "new-slug"}, "slug"),
    ],
)
def test_update_agency_refuses_bad_settings(team, data, field):
    with pytest.raises(ValidationFailed) as exc:
        accounts.update_agency(team.admin, data)
    assert field in exc.value.details
    db.session.expire_all()
    assert team.a.name == "Pisos Sol"
    assert team.a.locale == "en"


# --- users --------------------------------------------------------------------------------------


def test_create_user_lower_cases_the_email_and_hashes_the_password(team):
    user = accounts.create_user(
        team.a,
        {"email": "New.Agent@Example.com", "name": "Nuria", "password": "s3cret-pass"},
        actor=team.admin,
    )
    assert user.email == "new.agent@example.com"
    assert user.role == Role.AGENT
    assert "s3cret-pass" not in (user.password_hash or "")
    assert user.check_password("s3cret-pass")


def test_user_email_is_unique_across_agencies_without_saying_whose_it_is(team, count):
    before = count(User)
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(team.b, {"email": team.agent.email.upper(), "name": "Twin"})
    assert exc.value.details == {"email": "This e-mail cannot be used; choose another."}
    assert count(User) == before


def test_only_an_admin_creates_users(team, count):
    before = count(User)
    with pytest.raises(Forbidden):
        accounts.create_user(team.a, {"email": "x@example.com", "name": "X"}, actor=team.manager)
    assert count(User) == before


def test_an_admin_cannot_create_users_in_another_agency(team, count):
    before = count(User)
    with pytest.raises(Forbidden):
        accounts.create_user(team.b, {"email": "spy@example.com", "name": "Spy"}, actor=team.admin)
    assert count(User) == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email", "name": "X"}, "email"),
        ({"email": "x@example.com", "name": ""}, "name"),
        ({"email": "x@example.com", "name": "x" * 101}, "name"),
        ({"email": "x@example.com", "name": "X", "role": "owner"}, "role"),
        ({"email": "x@example.com", "name": "X", "password": "short"}, "password"),
        ({"email": "x@example.com", "name": "X", "areas": "Centro"}, "areas"),
        ({"email": "x@example.com", "name": "X", "is_superuser": True}, "is_superuser"),
        ({"email": "x@example.com", "name": "X", "phone": "12"}, "phone"),
    ],
)
def test_create_user_refuses_bad_input(team, count, data, field):
    before = count(User)
    with pytest.raises(ValidationFailed) as exc:
        accounts.create_user(team.a, data, actor=team.admin)
    assert field in exc.value.details
    assert count(User) == before


def test_admin_cannot_demote_themselves(team):
    with pytest.raises(ValidationFailed) as exc:
        accounts.update_user(team.admin, team.admin, {"role": "manager"})
    assert "role" in exc.value.details
    db.session.expire_all()
    assert team.admin.role == Role.ADMIN


def test_admin_cannot_deactivate_themselves(team):
    with pytest.raises(ValidationFailed):
        accounts.update_user(team.admin, team.admin, {"active": False})
    db.session.expire_all()
    assert team.admin.active is True


def test_admin_changes_another_users_role_and_deactivates_them(team):
    accounts.update_user(team.admin, team.agent, {"role": "manager"})
    accounts.update_user(team.admin, team.agent2, {"active": False})
    db.session.expire_all()
    assert team.agent.role == Role.MANAGER
    assert team.agent2.active is False


def test_user_changes_their_own_locale_but_not_their_role(team):
    accounts.update_user(team.agent, team.agent, {"locale": "es", "timezone": "Atlantic/Canary"})
    db.session.expire_all()
    assert team.agent.effective_locale == "es"
    assert team.agent.effective_timezone == "Atlantic/Canary"
    with pytest.raises(Forbidden):
        accounts.update_user(team.agent, team.agent, {"role": "admin"})
    with pytest.raises(Forbidden):
        accounts.update_user(team.manager, team.manager, {"locale": "en", "role": "admin"})
    db.session.expire_all()
    assert team.agent.role == Role.AGENT and team.manager.role == Role.MANAGER
    assert team.manager.locale is None


def test_user_cannot_change_a_colleague(team):
    with pytest.raises(Forbidden):
        accounts.update_user(team.agent, team.agent2, {"name": "Renamed"})
    with pytest.raises(Forbidden):
        accounts.update_user(team.manager, team.agent, {"areas": ["Centro"]})


def test_admin_cannot_change_a_user_of_another_agency(team):
    with pytest.raises(Forbidden):
        accounts.update_user(team.admin, team.agent_b, {"role": "admin"})
    db.session.expire_all()
    assert team.agent_b.role == Role.AGENT


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"locale": "fr"}, "locale"),
        ({"timezone": "Europe/Narnia"}, "timezone"),
        ({"away_from": "2030-01-01T10:00:00"}, "away_from"),
        ({"name": "x" * 101}, "name"),
        ({"languages": "es"}, "languages"),
    ],
)
def test_update_user_refuses_bad_input(team, data, field):
    with pytest.raises(ValidationFailed) as exc:
        accounts.update_user(team.admin, team.agent, data)
    assert field in exc.value.details


def test_away_period_with_an_offset_is_stored_in_utc(team):
    accounts.update_user(
        team.admin,
        team.agent,
        {"away_from": "2030-07-01T09:00:00+02:00", "away_until": "2030-07-15T18:00:00+02:00"},
    )
    db.session.expire_all()
    assert team.agent.away_from.isoformat() == "2030-07-01T07:00:00+00:00"


def test_short_password_is_refused(team):
    with pytest.raises(ValidationFailed) as exc:
        accounts.set_password(team.agent, "1234567")
    assert set(exc.value.details) == {"password"}
    assert accounts.authenticate(team.agent.email, PASSWORD) is not None


# --- authentication -----------------------------------------------------------------------------


def test_authenticate_with_the_right_password(team):
    user = accounts.authenticate(f"  {team.agent.email.upper()} ", PASSWORD)
    assert user is not None and user.id == team.agent.id
    assert user.last_login_at is not None


@pytest.mark.parametrize("password", ["wrong password", "", None, PASSWORD.upper(), PASSWORD + " "])
def test_authenticate_refuses_a_wrong_password(team, password):
    assert accounts.authenticate(team.agent.email, password) is None


def test_authenticate_refuses_an_unknown_email(team):
    assert accounts.authenticate("nobody@example.com", PASSWORD) is None
    assert accounts.authenticate("", PASSWORD) is None


def test_authenticate_refuses_an_inactive_user(team):
    accounts.update_user(team.admin, team.agent, {"active": False})
    assert accounts.authenticate(team.agent.email, PASSWORD) is None


def test_user_without_a_password_cannot_sign_in(team):
    user = accounts.create_user(team.a, {"email": "nopass@example.com", "name": "No Pass"})
    assert accounts.authenticate(user.email, "") is None
    assert accounts.authenticate(user.email, "anything at all") is None


# --- tokens -------------------------------------------------------------------------------------


def test_token_is_stored_hashed(team):
    token, secret = accounts.create_token(team.agent, "laptop")
    assert secret.startswith(accounts.TOKEN_PREFIX)
    assert len(secret) > 30
    rows = " ".join(str(row) for row in db.session.execute(text("SELECT * FROM api_tokens")))
    assert secret not in rows
    assert secret[len(accounts.TOKEN_PREFIX) + 4 :] not in rows
    assert token.token_hash != secret
    assert accounts.user_for_token(secret).id == team.agent.id


def test_each_token_is_different(team):
    secrets = {accounts.create_token(team.agent)[1] for _ in range(3)}
    assert len(secrets) == 3


def test_revoked_token_no_longer_authenticates(team):
    token, secret = accounts.create_token(team.agent)
    other, other_secret = accounts.create_token(team.agent)
    accounts.revoke_token(team.agent, token)
    assert accounts.user_for_token(secret) is None
    assert accounts.user_for_token(other_secret).id == team.agent.id


@pytest.mark.parametrize("secret", ["", "rcrm_", "rcrm_not-a-real-token", "Bearer x", "x" * 500])
def test_unknown_token_authenticates_nobody(team, secret):
    accounts.create_token(team.agent)
    assert accounts.user_for_token(secret) is None


def test_token_of_an_inactive_user_authenticates_nobody(team):
    _, secret = accounts.create_token(team.agent)
    accounts.update_user(team.admin, team.agent, {"active": False})
    assert accounts.user_for_token(secret) is None


def test_only_the_owner_or_an_admin_revokes_a_token(team):
    token, secret = accounts.create_token(team.agent)
    with pytest.raises(Forbidden):
        accounts.revoke_token(team.agent2, token)
    with pytest.raises(Forbidden):
        accounts.revoke_token(team.manager, token)
    assert accounts.user_for_token(secret) is not None
    accounts.revoke_token(team.admin, token)
    assert accounts.user_for_token(secret) is None


def test_an_admin_of_another_agency_cannot_revoke_a_token(team):
    token, secret = accounts.create_token(team.agent)
    with pytest.raises(Forbidden):
        accounts.revoke_token(team.admin_b, token)
    assert accounts.user_for_token(secret) is not None
    assert db.session.scalars(select(ApiToken).where(ApiToken.id == token.id)).one().revoked_at is None
