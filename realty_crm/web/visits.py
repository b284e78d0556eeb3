"""Visits: booking (from a prospect, a property or a free calendar slot), the list, and a
visit's page with its lifecycle (confirm, reschedule, cancel, done with feedback, no-show).

Times are typed and shown in the user's time zone and handed to the service as aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
    ValidationError,
)
from wtforms.validators import InputRequired, Optional

from .. import tenancy
from ..collation import collated
from ..dates import to_zone
from ..downloads import download
from ..errors import Conflict
from ..extensions import db
from ..models import (
    OPEN_STATUSES,
    Activity,
    ActivityKind,
    Property,
    PropertyStatus,
    Prospect,
    User,
    Visit,
    VisitStatus,
)
from ..policy import Action, can, is_staff, require, visible_prospects
from ..services import exports, matching, search, tabular, timeline, visits
from ..services.search import Results
from .common import PER_PAGE, actor, guard, page_arg
from .formatting import percent
from .forms import (
    DayField,
    RecordSelectField,
    SearchForm,
    attempt,
    choices,
    enum_choices,
    invalid_filters_dropped,
    local_datetime,
    optional_int,
    plausible_day,
    text,
    user_choices,
    user_zone,
)
from .pickers import optional_id, resolve_prospect

blueprint = Blueprint("visits", __name__, url_prefix="/visits")
guard(blueprint)

# how many records a picker offers (matches first); the rest are booked from their own page
PICK_LIMIT = 300
MATCH_LIMIT = 20
HISTORY_LIMIT = 50
TIME_FORMATS = ["%H:%M", "%H:%M:%S"]
# the service names the start and the end; the forms have a start time and a duration
ALIASES = {"starts_at": "start", "ends_at": "duration_minutes", "status": "already_done"}
OPEN = {VisitStatus.SCHEDULED, VisitStatus.CONFIRMED}
INTEREST = [
    (1, _l("1 · not interested")),
    (2, "2"),
    (3, "3"),
    (4, "4"),
    (5, _l("5 · very interested")),
]


class WhenForm(FlaskForm):
    """Day, start time and length of a visit, typed in the user's zone; and who shows it (staff)."""

    day = DayField(_l("Date"), validators=[InputRequired(_l("Pick the day."))])
    start = TimeField(
        _l("Start time"), format=TIME_FORMATS, validators=[InputRequired(_l("Pick the start time."))]
    )
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), validators=[InputRequired(_l("Give the length in minutes."))]
    )
    agent_id = RecordSelectField(_l("Agent"), validate_choice=False)

    def validate_start(self, field: TimeField) -> None:
        """Refuse a wall-clock time the clocks jump over on that day."""
        if self.day.data is None or field.data is None or not plausible_day(self.day.data):
            return
        try:
            local_datetime(self.day.data, field.data)
        except ValueError:
            raise ValidationError(
                _("The clocks change then: %(time)s does not exist on that day.",
                  time=field.data.strftime("%H:%M"))
            ) from None

    def offer_agents(self, user: User, keep: int | None = None) -> None:
        """Staff choose the agent; agents book for themselves, so they get no choice."""
        if is_staff(user):
            self.agent_id.choices = user_choices(keep=keep)
        else:
            del self.agent_id

    def starts_at(self) -> datetime:
        """The start as aware UTC (only after the form validated)."""
        return local_datetime(self.day.data, self.start.data).astimezone(UTC)

    def chosen_agent(self) -> int | None:
        return self.agent_id.data if "agent_id" in self else None


class BookingForm(WhenForm):
    property_id = RecordSelectField(
        _l("Property"), validate_choice=False,
        validators=[InputRequired(_l("Choose a property."))],
    )
    prospect_id = RecordSelectField(
        _l("Prospect"), validate_choice=False,
        validators=[InputRequired(_l("Choose a prospect."))],
    )
    already_done = BooleanField(_l("It has already taken place: log it as done"))

    def to_data(self) -> dict[str, Any]:
        """The input ``visits.schedule_visit`` takes."""
        data: dict[str, Any] = {
            "property_id": self.property_id.data,
            "prospect_id": self.prospect_id.data,
            "starts_at": self.starts_at(),
            "duration_minutes": self.duration_minutes.data,
        }
        if self.already_done.data:
            data["status"] = VisitStatus.DONE.value
        if self.chosen_agent() is not None:
            data["agent_id"] = self.chosen_agent()
        return data


class RescheduleForm(WhenForm):
    @staticmethod
    def initial(visit: Visit) -> dict[str, Any]:
        # a stored start beyond the calendar's ends is left for the user to type anew
        local = to_zone(visit.starts_at, user_zone())
        return {
            "day": local.date() if local is not None else None,
            "start": local.time().replace(second=0, microsecond=0) if local is not None else None,
            "duration_minutes": _minutes(visit),
            "agent_id": visit.agent_id,
        }


class CancelForm(FlaskForm):
    cancel_reason = TextAreaField(_l("Why is it cancelled?"))


class OutcomeForm(FlaskForm):
    feedback = TextAreaField(_l("Feedback"), description=_l("What the prospect said, what to do next."))
    rating = RadioField(
        _l("Prospect's interest"), choices=choices(INTEREST), coerce=optional_int, validate_choice=False
    )


class StatusForm(FlaskForm):
    """A bare form (CSRF only) for the one-click steps: confirm, no-show."""


class VisitSearchForm(SearchForm):
    agent = RecordSelectField(_l("Agent"))
    status = SelectField(_l("Status"), choices=enum_choices(VisitStatus, blank=_l("Any")), default="")
    date_from = DayField(_l("From"), validators=[Optional()])
    date_to = DayField(_l("Until"), validators=[Optional()])
    property = StringField(_l("Property reference"))
    property_id = HiddenField(filters=[optional_id])
    prospect = StringField(_l("Prospect"), description=_l("Name, e-mail or phone."))
    prospect_id = HiddenField(filters=[optional_id])

    def validate_date_to(self, field: DayField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_("The end is before the start."))


def _minutes(visit: Visit) -> int:
    return int((visit.ends_at - visit.starts_at).total_seconds() // 60)


def property_label(prop: Property) -> str:
    """How a property reads in a picker."""
    return f"{prop.reference} · {prop.title}"


def prospect_label(prospect: Prospect) -> str:
    """How a prospect reads in a picker (the number tells namesakes apart)."""
    return f"{prospect.full_name} (#{prospect.id})"


def _find(model: Any, ident: int | None) -> Any:
    """A record of the agency by id, or None (a form's value: an error there is the service's)."""
    if ident is None or not 0 < ident <= tenancy.MAX_ID:
        return None
    return db.session.scalars(select(model).where(model.id == ident)).first()


def _property_choices(
    prospect: Prospect | None, selected: Property | None
) -> tuple[list[SelectChoice], bool]:
    """The prospect's matching properties first, then the available ones; and whether that list was cut."""
    options = [SelectChoice("", _("Choose a property"))]
    seen: set[int] = set()
    if prospect is not None:
        group = _("Matches for %(name)s", name=prospect.full_name)
        for match in matching.properties_for(prospect, limit=MATCH_LIMIT):
            label = _("%(property)s · %(score)s match", property=property_label(match.record),
                      score=percent(match.score))
            options.append(SelectChoice(str(match.record.id), label, optgroup=group))
            seen.add(match.record.id)
    available = list(
        db.session.scalars(
            select(Property)
            .where(Property.status == PropertyStatus.AVAILABLE)
            .order_by(Property.reference)
            .limit(PICK_LIMIT + 1)
        )
    )
    cut = len(available) > PICK_LIMIT
    rest = [p for p in available[:PICK_LIMIT] if p.id not in seen]
    if selected is not None and selected.id not in seen and selected not in rest:
        rest.insert(0, selected)
    group = _("Available properties") if seen else None
    options += [SelectChoice(str(p.id), property_label(p), optgroup=group) for p in rest]
    return options, cut


def _prospect_choices(
    user: User, prop: Property | None, selected: Prospect | None
) -> tuple[list[SelectChoice], bool]:
    """The property's matching prospects first, then the open prospects the user sees."""
    options = [SelectChoice("", _("Choose a prospect"))]
    seen: set[int] = set()
    if prop is not None:
        group = _("Matches for %(ref)s", ref=prop.reference)
        for match in matching.prospects_for(user, prop, limit=MATCH_LIMIT):
            label = _("%(prospect)s · %(score)s match", prospect=prospect_label(match.record),
                      score=percent(match.score))
            options.append(SelectChoice(str(match.record.id), label, optgroup=group))
            seen.add(match.record.id)
    stmt = visible_prospects(select(Prospect).where(Prospect.status.in_(OPEN_STATUSES)), user)
    found = list(
        db.session.scalars(
            stmt.order_by(collated(Prospect.first_name), collated(Prospect.last_name), Prospect.id)
            .limit(PICK_LIMIT + 1)
        )
    )
    cut = len(found) > PICK_LIMIT
    rest = [p for p in found[:PICK_LIMIT] if p.id not in seen]
    if selected is not None and selected.id not in seen and selected not in rest:
        rest.insert(0, selected)
    group = _("Open prospects") if seen else None
    options += [SelectChoice(str(p.id), prospect_label(p), optgroup=group) for p in rest]
    return options, cut


def _arg_record(model: Any, name: str) -> Any:
    """A record named by a query argument (404 for another agency's, 403 for one the user may not see)."""
    raw = request.args.get(name)
    if not raw:
        return None
    record = tenancy.get_or_404(model, raw)
    require(actor(), Action.VIEW, record)
    return record


def _arg_date(name: str) -> date | None:
    """A prefilled day from the URL; one that is not a day in the app's range is left out."""
    try:
        day = date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None
    return day if plausible_day(day) else None


def _arg_time(name: str) -> time | None:
    try:
        return time.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


def _default_agent(user: User, prospect: Prospect | None) -> int:
    """Who shows the property unless chosen: the slot's agent, else the prospect's, else the user."""
    if not is_staff(user):
        return user.id
    if request.args.get("agent_id"):
        agent = tenancy.get_or_404(User, request.args["agent_id"])
        return agent.id
    holder = prospect.assigned_agent if prospect is not None else None
    return holder.id if holder is not None and holder.active else user.id


def _clash_visit(form: FlaskForm) -> Visit | None:
    """The visit a refused booking clashed with, when the user may open it."""
    error = getattr(form, "service_error", None)
    if not isinstance(error, Conflict) or "clashing_visit_id" not in error.details:
        return None
    visit = _find(Visit, error.details["clashing_visit_id"])
    return visit if visit is not None and can(actor(), Action.VIEW, visit) else None


def _refusal_status(form: FlaskForm) -> int:
    error = getattr(form, "service_error", None)
    return 409 if isinstance(error, Conflict) else 422


@blueprint.route("/new", methods=["GET", "POST"])
def new() -> Response | tuple[str, int]:
    """Book a visit; the prospect, property, agent, day and time may come prefilled in the URL."""
    user = actor()
    prospect = _arg_record(Prospect, "prospect_id")
    prop = _arg_record(Property, "property_id")
    form = BookingForm(
        data={
            "prospect_id": prospect.id if prospect else None,
            "property_id": prop.id if prop else None,
            "agent_id": _default_agent(user, prospect),
            "day": _arg_date("date"),
            "start": _arg_time("time"),
            "duration_minutes": user.agency.default_visit_minutes,
        }
    )
    if form.is_submitted():
        # offer the pickers around what was sent, so a refused form shows the same choices
        chosen = _find(Prospect, form.prospect_id.data)
        prospect = chosen if chosen is not None and can(user, Action.EDIT, chosen) else None
        prop = _find(Property, form.property_id.data)
    form.offer_agents(user)
    form.property_id.choices, properties_cut = _property_choices(prospect, prop)
    form.prospect_id.choices, prospects_cut = _prospect_choices(user, prop, prospect)
    status = 200
    if form.validate_on_submit():
        visit = attempt(form, visits.schedule_visit, user, form.to_data(), aliases=ALIASES)
        if visit is not None:
            flash(_("Visit logged as done.") if form.already_done.data else _("Visit booked."), "success")
            return redirect(url_for(".detail", visit_id=visit.id))
        status = _refusal_status(form)
    elif form.is_submitted():
        status = 422
    page = render_template(
        "visits/form.html",
        form=form,
        prospect=prospect,
        prop=prop,
        properties_cut=properties_cut,
        prospects_cut=prospects_cut,
        clash=_clash_visit(form),
        pick_limit=PICK_LIMIT,
    )
    return page, status


def _midnight(day: date) -> datetime:
    """Midnight at the start of ``day`` in the user's zone, as UTC."""
    return datetime.combine(day, time(0), tzinfo=user_zone()).astimezone(UTC)


def _search(user: User) -> tuple[VisitSearchForm, search.VisitFilters, dict[str, Any]]:
    """The list's filter form read from the URL (unparsable filters dropped), its filters (newest
    first), and the property or prospect the list is narrowed to."""
    form = VisitSearchForm(request.args)
    if is_staff(user):
        form.agent.choices = user_choices(active_only=False, blank=_l("Anyone"))
    else:
        del form.agent
    invalid_filters_dropped(form)
    filters = search.VisitFilters(
        agent_id=form.agent.data if "agent" in form else None,
        status=form.status.data or None,
        starts_from=_midnight(form.date_from.data) if form.date_from.data else None,
        starts_before=_midnight(form.date_to.data + timedelta(days=1)) if form.date_to.data else None,
        newest_first=True,
    )
    subject: dict[str, Any] = {}
    for name, field, record in (("property_id", form.property, _filter_property(user, form)),
                                ("prospect_id", form.prospect, _filter_prospect(user, form))):
        if record is not None:
            subject[name] = record
        if record is not None or field.errors:
            # a filter naming nothing leaves the list empty: no record has id 0
            setattr(filters, name, record.id if record is not None else 0)
    return form, filters, subject


def _refuse(field: Field, message: str) -> None:
    field.errors = [*field.errors, message]


def _linked(user: User, model: Any, ident: int | None, field: Field) -> Any:
    """The record a link names by id (``?prospect_id=12``), or None with an error on ``field``."""
    record = _find(model, ident)
    if record is None or not can(user, Action.VIEW, record):
        _refuse(field, _("Nothing with this number in the agency."))
        return None
    return record


def _filter_property(user: User, form: VisitSearchForm) -> Property | None:
    """The property the list is narrowed to: by its reference as typed, or by a link's id."""
    typed = text(form.property)
    if not typed:
        if form.property_id.data is None:
            return None
        prop = _linked(user, Property, form.property_id.data, form.property)
        if prop is not None:
            form.property.data = prop.reference
        return prop
    prop = db.session.scalars(
        select(Property).where(func.lower(Property.reference) == typed.lower()).limit(1)
    ).first()
    if prop is None:
        _refuse(form.property, _("No property has the reference “%(text)s”.", text=typed[:100]))
    return prop


def _filter_prospect(user: User, form: VisitSearchForm) -> Prospect | None:
    """The prospect the list is narrowed to: picked, typed (name, e-mail, phone), or a link's id."""
    typed = text(form.prospect)
    if not typed and form.prospect_id.data is not None:
        prospect = _linked(user, Prospect, form.prospect_id.data, form.prospect)
        if prospect is not None:
            form.prospect.data = prospect.full_name
        return prospect
    resolved = resolve_prospect(form.prospect_id.data, typed)
    if resolved.error:
        _refuse(form.prospect, resolved.error)
    return resolved.record


@blueprint.get("")
def index() -> str:
    """Visits the user may see, filtered by agent, status, dates, property and prospect; newest first."""
    user = actor()
    form, filters, subject = _search(user)
    stmt = search.visit_query(user, filters)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = page_arg(request.args.get("page"))
    items = list(
        db.session.scalars(
            stmt.options(
                selectinload(Visit.property), selectinload(Visit.prospect), selectinload(Visit.agent)
            )
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
        )
    )
    filtered = any(field.data not in (None, "") for field in form)
    return render_template(
        "visits/index.html",
        form=form,
        results=Results(items, page, PER_PAGE, total),
        filtered=filtered,
        subject=subject,
        today=datetime.now(user_zone()).date(),
    )


@blueprint.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """The whole list, as filtered on the page, as a CSV or XLSX file."""
    user = actor()
    table = exports.visits(user, _search(user)[1])
    return download(tabular.table_file(table.stem, fmt, table.headers, table.rows))


def _load(visit_id: int) -> Visit:
    """A visit of the agency the user may see (404 / 403 otherwise)."""
    visit = tenancy.get_or_404(Visit, visit_id)
    require(actor(), Action.VIEW, visit)
    return visit


def _history(visit: Visit) -> list[Activity]:
    """The visit's own entries of the prospect's timeline, newest first."""
    return list(
        db.session.scalars(
            select(Activity)
            .where(
                Activity.kind == ActivityKind.VISIT,
                Activity.subject_id == visit.id,
                Activity.prospect_id == visit.prospect_id,
            )
            .options(selectinload(Activity.actor))
            .order_by(Activity.occurred_at.desc(), Activity.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )


def _render_detail(visit: Visit, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """The visit's page; a form that was refused is passed in to show its errors."""
    user = actor()
    reschedule_form = forms.get("reschedule_form")
    if reschedule_form is None:
        reschedule_form = RescheduleForm(formdata=None, data=RescheduleForm.initial(visit))
        reschedule_form.offer_agents(user, keep=visit.agent_id)
    outcome_form = forms.get("outcome_form") or OutcomeForm(
        formdata=None, data={"feedback": visit.feedback or "", "rating": visit.rating}
    )
    page = render_template(
        "visits/detail.html",
        visit=visit,
        entries=timeline.entries(_history(visit)),
        timeline_full=False,
        is_open=visit.status in OPEN,
        started=visits.has_started(visit.starts_at),
        reschedule_form=reschedule_form,
        cancel_form=forms.get("cancel_form") or CancelForm(formdata=None),
        outcome_form=outcome_form,
        status_form=forms.get("status_form") or StatusForm(formdata=None),
        clash=_clash_visit(reschedule_form),
        # a refused form is shown with its errors even where the visit's state would hide it
        refused=next(iter(forms), None),
    )
    return page, status


@blueprint.get("/<int:visit_id>")
def detail(visit_id: int) -> tuple[str, int]:
    """One visit: when, where, with whom, its state and what can be done next."""
    return _render_detail(_load(visit_id))


def _step(visit_id: int, data: dict[str, Any], done: str) -> Response | tuple[str, int]:
    """A one-click lifecycle step (confirm, no-show)."""
    visit = _load(visit_id)
    form = StatusForm()
    if form.validate_on_submit() and attempt(form, visits.update_visit, actor(), visit, data):
        flash(done, "success")
        return redirect(url_for(".detail", visit_id=visit_id))
    return _render_detail(_load(visit_id), 422, status_form=form)


@blueprint.post("/<int:visit_id>/confirm")
def confirm(visit_id: int) -> Response | tuple[str, int]:
    """The prospect confirmed they are coming."""
    return _step(visit_id, {"status": VisitStatus.CONFIRMED.value}, _("Visit confirmed."))


@blueprint.post("/<int:visit_id>/no-show")
def no_show(visit_id: int) -> Response | tuple[str, int]:
    """The prospect did not come."""
    return _step(visit_id, {"status": VisitStatus.NO_SHOW.value}, _("Marked as a no-show."))


@blueprint.post("/<int:visit_id>/reschedule")
def reschedule(visit_id: int) -> Response | tuple[str, int]:
    """Move the visit (and, for staff, give it to another agent); the same clash checks as booking."""
    user = actor()
    visit = _load(visit_id)
    form = RescheduleForm()
    form.offer_agents(user, keep=visit.agent_id)
    status = 422
    if form.validate_on_submit():
        data: dict[str, Any] = {}
        starts_at = form.starts_at()
        if starts_at != visit.starts_at or form.duration_minutes.data != _minutes(visit):
            data.update(starts_at=starts_at, duration_minutes=form.duration_minutes.data)
        if form.chosen_agent() not in (None, visit.agent_id):
            data["agent_id"] = form.chosen_agent()
        if not data:
            flash(_("Nothing changed."), "info")
            return redirect(url_for(".detail", visit_id=visit_id))
        if attempt(form, visits.update_visit, user, visit, data, aliases=ALIASES):
            flash(_("Visit moved."), "success")
            return redirect(url_for(".detail", visit_id=visit_id))
        status = _refusal_status(form)
    return _render_detail(_load(visit_id), status, reschedule_form=form)


@blueprint.post("/<int:visit_id>/cancel")
def cancel(visit_id: int) -> Response | tuple[str, int]:
    """Call the visit off, saying why; the slot becomes free."""
    visit = _load(visit_id)
    form = CancelForm()
    data = {"status": VisitStatus.CANCELLED.value, "cancel_reason": text(form.cancel_reason)}
    if form.validate_on_submit() and attempt(form, visits.update_visit, actor(), visit, data):
        flash(_("Visit cancelled."), "success")
        return redirect(url_for(".detail", visit_id=visit_id))
    return _render_detail(_load(visit_id), 422, cancel_form=form)


@blueprint.post("/<int:visit_id>/outcome")
def outcome(visit_id: int) -> Response | tuple[str, int]:
    """Mark the visit done with the prospect's feedback and interest (or correct them later)."""
    visit = _load(visit_id)
    form = OutcomeForm()
    data: dict[str, Any] = {"feedback": text(form.feedback)}
    if visit.status != VisitStatus.DONE:
        data["status"] = VisitStatus.DONE.value
    if form.rating.data is not None:
        data["rating"] = form.rating.data
    if form.validate_on_submit() and attempt(form, visits.update_visit, actor(), visit, data):
        flash(_("Visit done.") if "status" in data else _("Feedback saved."), "success")
        return redirect(url_for(".detail", visit_id=visit_id))
    return _render_detail(_load(visit_id), 422, outcome_form=form)
