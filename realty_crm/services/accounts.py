"""Agencies, users and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import Conflict, ValidationFailed, invalid
from ..extensions import db
from ..models import Agency, ApiToken, Role, User, utcnow
from ..passwords import check_new_password, verify_password
from ..policy import Action, require
from ..schemas.agency import AgencyUpdate, UserCreate, UserUpdate
from ..schemas.common import validate
from ..tenancy import unscoped
from .transaction import commit

TOKEN_PREFIX = "rcrm_"
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def slugify(name: str) -> str:
    """A url-safe slug from a name: ``"Pisos Sol, S.L."`` → ``"pisos-sol-s-l"``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:63].strip("-")


def create_agency(
    name: str, slug: str | None = None, timezone: str = "Europe/Madrid", **settings: Any
) -> Agency:
    """Create an agency (a tenant). Used by the CLI and the demo loader."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Give the agency a name."), {"name": _("1 to 200 characters.")})
    slug = (slug or slugify(name)).strip()
    if not SLUG_RE.match(slug):
        raise invalid("slug", _("Use lower-case letters, digits and dashes."))
    # the same rules as an admin's later changes: time zone, locale, currency...
    checked = set(AgencyUpdate.model_fields) & set(settings)
    values = validate(AgencyUpdate, {"timezone": timezone, **{k: settings[k] for k in checked}})
    settings.update(values.model_dump(include=checked))
    if db.session.scalars(select(Agency.id).where(Agency.slug == slug)).first():
        message = _("Another agency already has this slug.")
        raise Conflict(message, {"slug": message})
    agency = Agency(name=name, slug=slug, timezone=timezone, **settings)
    db.session.add(agency)
    commit()
    return agency


def update_agency(actor: User, data: dict[str, Any]) -> Agency:
    """Change the caller's agency settings (admins only)."""
    require(actor, Action.MANAGE_AGENCY)
    sent = validate(AgencyUpdate, data).model_dump(exclude_unset=True)
    agency = actor.agency
    for field, value in sent.items():
        if value is None:
            raise invalid(field, _("This field cannot be empty."))
        setattr(agency, field, value)
    commit()
    return agency


def create_user(agency: Agency, data: dict[str, Any], actor: User | None = None) -> User:
    """Add a user to ``agency``; ``actor`` (when given) must be an admin."""
    if actor is not None:
        require(actor, Action.MANAGE_USERS, agency)
    values = validate(UserCreate, data)
    _check_email_free(agency, values.email)
    if values.password:
        check_new_password(values.password, values.email)
    user = User(
        agency_id=agency.id,
        email=values.email,
        name=values.name,
        role=values.role,
        phone=values.phone,
        areas=list(values.areas),
        languages=list(values.languages),
    )
    if values.password:
        user.set_password(values.password)
    db.session.add(user)
    commit()
    return user


def _check_email_free(agency: Agency, email: str) -> None:
    """Refuse an e-mail someone already signs in with. E-mails are unique across the whole
    deployment; when the holder is in another agency the answer says only that the e-mail
    cannot be used, never whose it is or that another agency has it."""
    holder_agency_id = db.session.scalars(
        select(User.agency_id).where(User.email == email).execution_options(**unscoped())
    ).first()
    if holder_agency_id is None:
        return
    if holder_agency_id == agency.id:
        message = _("A user of your agency already has this e-mail.")
        raise Conflict(message, {"email": message})
    raise invalid("email", _("This e-mail cannot be used; choose another."))


def update_user(actor: User, user: User, data: dict[str, Any]) -> User:
    """Change a user: admins change anyone in their agency; users their own preferences."""
    sent = validate(UserUpdate, data).model_dump(exclude_unset=True)
    own_fields = {"name", "phone", "locale", "timezone", "languages"}
    own_preferences = user.id == actor.id and not set(sent) - own_fields
    require(actor, Action.EDIT if own_preferences else Action.MANAGE_USERS, user)
    if user.id == actor.id and (sent.get("role", Role.ADMIN) != Role.ADMIN or sent.get("active") is False):
        raise invalid("role", _("You cannot demote or deactivate yourself."))
    for field, value in sent.items():
        if value is None and field in {"name", "role", "active", "areas", "languages"}:
            raise invalid(field, _("This field cannot be empty."))
    away_from = sent.get("away_from", user.away_from)
    away_until = sent.get("away_until", user.away_until)
    if away_from is not None and away_until is not None and away_until <= away_from:
        raise invalid("away_until", _("The return must come after the start of the absence."))
    for field, value in sent.items():
        setattr(user, field, value)
    if sent.get("active") is False:
        _end_sessions(user)
    commit()
    return user


def _end_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie of ``user`` (on commit); API tokens stay."""
    user.session_version = User.session_version + 1  # in SQL: two at once both count


def end_sessions(user: User) -> None:
    """Sign ``user`` out on every device: on logout and when asked to."""
    _end_sessions(user)
    commit()


def sign_out_everywhere(actor: User, user: User) -> None:
    """End every session of ``user``: the user themself, or an admin of their agency."""
    require(actor, Action.EDIT if user.id == actor.id else Action.MANAGE_USERS, user)
    end_sessions(user)


def set_password(user: User, password: str) -> None:
    """Change a user's password (the rules of realty_crm/passwords.py); every session of theirs ends."""
    check_new_password(password, user.email)
    user.set_password(password)
    _end_sessions(user)
    commit()


def change_password(user: User, current: str, new: str) -> User:
    """A user changes their own password, proving they know the current one."""
    if not user.check_password(current or ""):
        raise invalid("current_password", _("This is not your current password."))
    set_password(user, new)
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = db.session.scalars(
        select(User).where(User.email == (email or "").strip().lower()).execution_options(**unscoped())
    ).first()
    # a password is checked even without an account, so timing does not tell which e-mails exist
    matches = verify_password(user.password_hash if user is not None else None, password or "")
    if user is None or not user.active or not matches:
        return None
    user.last_login_at = utcnow()
    commit()
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Issue an API token for ``user``; returns the record and the secret (shown once)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        agency_id=user.agency_id,
        user_id=user.id,
        name=(name or "").strip()[:100],
        token_hash=_hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 4],
    )
    db.session.add(token)
    commit()
    return token, secret


def revoke_token(actor: User, token: ApiToken) -> None:
    """Revoke a token: the owner or an admin of the agency may."""
    require(actor, Action.EDIT if token.user_id == actor.id else Action.MANAGE_USERS, token)
    token.revoked_at = utcnow()
    commit()


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token acts as, or None when unknown or revoked."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = db.session.scalars(
        select(ApiToken)
        .where(ApiToken.token_hash == _hash_token(secret), ApiToken.revoked_at.is_(None))
        .execution_options(**unscoped())
    ).first()
    if token is None or not token.user.active:
        return None
    return token.user
