"""Who a service acts on: an active user of the actor's agency, the actor, or someone the
actor acts for (staff only)."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import invalid
from ..extensions import db
from ..models import User
from ..policy import is_staff


def active_user(actor: User, user_id: int, field: str) -> User:
    """The active user with this id in the actor's agency; else a ``ValidationFailed`` on ``field``
    (an inactive user, another agency's, or none: the same message)."""
    user = db.session.scalars(
        select(User).where(User.id == user_id, User.agency_id == actor.agency_id)
    ).first()
    if user is None or not user.active:
        raise invalid(field, _("No active user with this id in the agency."))
    return user


def only_staff_acts_for_others(actor: User, field: str, refusal: str) -> None:
    """Refuse with ``refusal`` on ``field`` unless the actor is staff (a manager or an admin)."""
    if not is_staff(actor):
        raise invalid(field, refusal)


def acting_for(actor: User, user_id: int | None, field: str, refusal: str) -> User:
    """The user the actor names in ``field``: themselves when it is empty or their own id;
    another active user of the agency only when the actor is staff (an agent gets ``refusal``)."""
    if user_id is None or user_id == actor.id:
        return actor
    only_staff_acts_for_others(actor, field, refusal)
    return active_user(actor, user_id, field)
