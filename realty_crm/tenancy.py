"""The current agency, and the one mechanism that scopes every query to it.

A ``do_orm_execute`` hook adds ``agency_id = <current agency>`` to every ORM
SELECT, UPDATE and DELETE touching a tenant-owned model, and hides soft-deleted
records unless a query asks for them with ``include_deleted``. Inside a request
a tenant query with no agency in scope is a programming error and raises,
so a new route cannot forget the filter: it never had to remember it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import abort, g, has_app_context, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from .extensions import db
from .models.base import SoftDeleteMixin, TenantMixin

T = TypeVar("T")

BYPASS = "tenancy_bypass"
INCLUDE_DELETED = "include_deleted"
MAX_ID = 2**31 - 1


class TenancyError(RuntimeError):
    """A tenant-owned table was queried inside a request with no agency in scope."""


def current_agency_id() -> int | None:
    """The id of the agency in scope, or None outside any scope."""
    return g.get("agency_id") if has_app_context() else None


@contextmanager
def scope(agency_id: int) -> Iterator[None]:
    """Run the block with ``agency_id`` as the current agency (CLI, jobs, public pages)."""
    previous = g.get("agency_id")
    g.agency_id = agency_id
    try:
        yield
    finally:
        g.agency_id = previous


def enter(agency_id: int) -> None:
    """Put ``agency_id`` in scope for the rest of the current request."""
    g.agency_id = agency_id


def unscoped() -> dict[str, Any]:
    """Execution options for the few queries that must look across agencies (login, tokens)."""
    return {BYPASS: True}


def get_or_404(model: type[T], ident: Any, *, include_deleted: bool = False) -> T:
    """Load ``model`` by id within the current agency, or answer 404.

    Always runs a SELECT (never trusts the identity map), so the scope applies.
    """
    try:
        key = int(ident)
    except (TypeError, ValueError):
        abort(404)
    if not 0 < key <= MAX_ID:
        abort(404)  # ids are 32-bit; SQLite cannot even bind a larger integer
    stmt = select(model).where(model.id == key)  # type: ignore[attr-defined]
    if include_deleted:
        stmt = stmt.execution_options(**{INCLUDE_DELETED: True})
    obj = db.session.scalars(stmt).first()
    if obj is None:
        abort(404)
    return obj


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or state.execution_options.get(BYPASS):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    agency_id = current_agency_id()
    if agency_id is None:
        if has_request_context() and _touches_tenant_model(state):
            raise TenancyError("a tenant-owned model was queried with no agency in scope")
        return
    options = [
        with_loader_criteria(
            TenantMixin,
            lambda cls: cls.agency_id == agency_id,
            include_aliases=True,
        )
    ]
    if state.is_select and not state.is_relationship_load and not state.execution_options.get(
        INCLUDE_DELETED
    ):
        options.append(
            with_loader_criteria(
                SoftDeleteMixin,
                lambda cls: cls.deleted_at.is_(None),
                include_aliases=True,
                propagate_to_loaders=False,
            )
        )
    state.statement = state.statement.options(*options)


def _touches_tenant_model(state: ORMExecuteState) -> bool:
    return any(issubclass(mapper.class_, TenantMixin) for mapper in state.all_mappers)


def install() -> None:
    """Register the scoping hook on every session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _scope_statement):
        event.listen(Session, "do_orm_execute", _scope_statement)
