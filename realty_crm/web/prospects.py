"""Prospects: the searchable list, the forms, the 360° page and what can be done from it."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Optional

from .. import dates, tenancy
from ..downloads import download
from ..errors import Conflict, ServiceError
from ..extensions import db
from ..models import (
    AssignmentRule,
    Call,
    CallDirection,
    CallOutcome,
    FollowUp,
    Operation,
    PropertyType,
    Prospect,
    ProspectSource,
    ProspectStatus,
    User,
    Visit,
    utcnow,
)
from ..policy import Action, can, is_staff, require, visible_visits
from ..services import calls, exports, matching, prospects, reassign, search, tabular, timeline
from ..services.assignment import RULE_NAMES
from .common import PER_PAGE, actor, guard, page_arg
from .forms import (
    CheckboxListField,
    LocalDateTimeField,
    RecordSelectField,
    SearchForm,
    attempt,
    choices,
    enum_choices,
    invalid_filters_dropped,
    join_list,
    split_list,
    text,
    to_utc,
    user_choices,
)

blueprint = Blueprint("prospects", __name__, url_prefix="/prospects")
guard(blueprint)

SORT_LABELS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "name": _l("Last name"),
    "last_contacted": _l("Last contacted"),
    "next_follow_up": _l("Next follow-up"),
    "status": _l("Status"),
}
TIMELINE_LIMIT = 200
FOLLOW_UP_LIMIT = 100
VISIT_LIMIT = 20
MATCH_LIMIT = 10


class ProspectSearchForm(SearchForm):
    q = SearchField(_l("Search"), description=_l("Name, e-mail or phone"))
    status = SelectField(_l("Status"), choices=enum_choices(ProspectStatus, blank=_l("Any")), default="")
    source = SelectField(_l("Source"), choices=enum_choices(ProspectSource, blank=_l("Any")), default="")
    agent = RecordSelectField(_l("Agent"))
    unassigned = BooleanField(_l("Unassigned only"))
    sort = SelectField(_l("Sort by"), choices=choices(SORT_LABELS.items()), default="newest")


class ProspectForm(FlaskForm):
    first_name = StringField(_l("First name"))
    last_name = StringField(_l("Last name"))
    email = EmailField(_l("E-mail"))
    phone = TelField(_l("Phone"), description=_l("Numbers without a country code are read as local."))
    source = SelectField(
        _l("Source"), choices=enum_choices(ProspectSource), default="other", validate_choice=False
    )
    source_detail = StringField(_l("Source detail"), description=_l("E.g. the portal, or who referred them."))
    status = SelectField(
        _l("Status"), choices=enum_choices(ProspectStatus), default="new", validate_choice=False
    )
    lost_reason = StringField(_l("Why lost"), description=_l("Needed when the status is Lost."))
    assigned_agent_id = RecordSelectField(_l("Agent"), validate_choice=False)
    marketing_consent = BooleanField(_l("Agrees to receive marketing"))
    tags = StringField(_l("Tags"), description=_l("Separate them with commas."))
    operation = SelectField(
        _l("Wants to"),
        choices=enum_choices(Operation, blank=_l("Not known yet")),
        default="",
        validate_choice=False,
    )
    property_types = CheckboxListField(
        _l("Property types"), choices=enum_choices(PropertyType), validate_choice=False
    )
    min_price = DecimalField(_l("Minimum price"), places=None, validators=[Optional()])
    max_price = DecimalField(_l("Maximum price"), places=None, validators=[Optional()])
    min_bedrooms = IntegerField(_l("Minimum bedrooms"), validators=[Optional()])
    min_area_m2 = IntegerField(_l("Minimum area (m²)"), validators=[Optional()])
    areas = StringField(_l("Areas"), description=_l("Neighbourhoods or towns, separated with commas."))

    # min > max is refused by the requirements as a whole: show it on the maximum
    ERROR_ALIASES = {"requirements": "max_price"}

    def configure(self, user: User, prospect: Prospect | None = None) -> ProspectForm:
        """Offer the agent choice to those who may assign; drop it for the others."""
        if can(user, Action.ASSIGN):
            current = prospect.assigned_agent_id if prospect is not None else None
            rule = user.agency.assignment_rule
            blank = _l("Unassigned")
            if prospect is None and rule != AssignmentRule.MANUAL:
                # a new lead left without an agent is handed out by the agency's rule
                blank = _("Chosen by the rule (%(rule)s)", rule=RULE_NAMES[rule])
            self.assigned_agent_id.choices = user_choices(blank=blank, keep=current)
        else:
            del self.assigned_agent_id
        return self

    def to_data(self) -> dict[str, Any]:
        """The plain input the prospect services take."""
        data: dict[str, Any] = {
            "first_name": text(self.first_name),
            "last_name": text(self.last_name),
            "email": text(self.email),
            "phone": text(self.phone),
            "source": self.source.data,
            "source_detail": text(self.source_detail),
            "status": self.status.data,
            "lost_reason": text(self.lost_reason),
            "marketing_consent": bool(self.marketing_consent.data),
            "tags": split_list(self.tags.data),
            "requirements": {
                "operation": self.operation.data or None,
                "property_types": list(self.property_types.data or []),
                "min_price": self.min_price.data,
                "max_price": self.max_price.data,
                "min_bedrooms": self.min_bedrooms.data,
                "min_area_m2": self.min_area_m2.data,
                "areas": split_list(self.areas.data),
            },
        }
        if "assigned_agent_id" in self:
            data["assigned_agent_id"] = self.assigned_agent_id.data
        return data

    @staticmethod
    def initial(prospect: Prospect) -> dict[str, Any]:
        """The form's values for an existing prospect."""
        return {
            "first_name": prospect.first_name,
            "last_name": prospect.last_name,
            "email": prospect.email or "",
            "phone": prospect.phone or "",
            "source": prospect.source.value,
            "source_detail": prospect.source_detail or "",
            "status": prospect.status.value,
            "lost_reason": prospect.lost_reason or "",
            "assigned_agent_id": prospect.assigned_agent_id,
            "marketing_consent": prospect.marketing_consent,
            "tags": join_list(prospect.tags),
            "operation": prospect.operation.value if prospect.operation else "",
            "property_types": list(prospect.property_types or []),
            "min_price": prospect.min_price,
            "max_price": prospect.max_price,
            "min_bedrooms": prospect.min_bedrooms,
            "min_area_m2": prospect.min_area_m2,
            "areas": join_list(prospect.areas),
        }


class CallForm(FlaskForm):
    direction = SelectField(
        _l("Direction"), choices=enum_choices(CallDirection), default="outbound", validate_choice=False
    )
    outcome = SelectField(
        _l("Outcome"), choices=enum_choices(CallOutcome), default="answered", validate_choice=False
    )
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional()])
    summary = TextAreaField(_l("Summary"))
    follow_up_at = LocalDateTimeField(
        _l("Next follow-up"), validators=[Optional()], description=_l("Optional: when to get back to them.")
    )
    follow_up_title = StringField(_l("Follow-up title"), description=_l("Optional; “Call back” when empty."))

    def to_data(self, prospect: Prospect) -> dict[str, Any]:
        data: dict[str, Any] = {
            "prospect_id": prospect.id,
            "direction": self.direction.data,
            "outcome": self.outcome.data,
            "duration_seconds": (self.duration_minutes.data or 0) * 60,
            "summary": text(self.summary),
            "follow_up_title": text(self.follow_up_title),
        }
        if self.follow_up_at.data is not None:
            data["follow_up_at"] = to_utc(self.follow_up_at.data)
        return data


class CallEditForm(FlaskForm):
    """A logged call, corrected by its agent (or staff)."""

    occurred_at = LocalDateTimeField(_l("When"), validators=[InputRequired(_l("Give the time of the call."))])
    direction = SelectField(_l("Direction"), choices=enum_choices(CallDirection), validate_choice=False)
    outcome = SelectField(_l("Outcome"), choices=enum_choices(CallOutcome), validate_choice=False)
    duration_minutes = IntegerField(_l("Duration (minutes)"), validators=[Optional()])
    summary = TextAreaField(_l("Summary"))

    @staticmethod
    def initial(call: Call) -> dict[str, Any]:
        """The form's values for ``call``; a stored time outside the accepted range is left blank."""
        return {
            "occurred_at": call.occurred_at if dates.instant_in_range(call.occurred_at) else None,
            "direction": call.direction.value,
            "outcome": call.outcome.value,
            "duration_minutes": call.duration_seconds // 60,
            "summary": call.summary,
        }

    def to_data(self, call: Call) -> dict[str, Any]:
        """The corrections: every field, but the duration only when its minutes were changed
        (a call of 95 seconds shows as 1 minute and keeps its seconds when left alone)."""
        data: dict[str, Any] = {
            "occurred_at": to_utc(self.occurred_at.data),
            "direction": self.direction.data,
            "outcome": self.outcome.data,
            "summary": text(self.summary),
        }
        minutes = self.duration_minutes.data or 0
        if minutes != call.duration_seconds // 60:
            data["duration_seconds"] = minutes * 60
        return data


class DeleteCallForm(FlaskForm):
    confirm = BooleanField(
        _l("Yes, delete this call."), validators=[DataRequired(_l("Tick the box to confirm."))]
    )


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Note"))


class FollowUpForm(FlaskForm):
    due_at = LocalDateTimeField(_l("Due"), validators=[Optional()])
    title = StringField(_l("What to do"))
    assignee_id = RecordSelectField(_l("For"), validate_choice=False)

    def configure(self, user: User) -> FollowUpForm:
        """Staff plan follow-ups for anyone; agents for themselves."""
        if can(user, Action.ASSIGN):
            self.assignee_id.choices = user_choices()
            if self.assignee_id.data is None:
                self.assignee_id.data = user.id
        else:
            del self.assignee_id
        return self

    def to_data(self, prospect: Prospect) -> dict[str, Any]:
        data: dict[str, Any] = {"prospect_id": prospect.id, "title": text(self.title)}
        if self.due_at.data is not None:
            data["due_at"] = to_utc(self.due_at.data)
        if "assignee_id" in self and self.assignee_id.data is not None:
            data["assignee_id"] = self.assignee_id.data
        return data


class AssignForm(FlaskForm):
    agent_id = RecordSelectField(_l("Agent"), validate_choice=False)
    move_visits = BooleanField(_l("Move their future visits to the new agent"), default=True)
    move_follow_ups = BooleanField(_l("Hand their open follow-ups to the new agent"), default=True)


class EraseForm(FlaskForm):
    confirm = BooleanField(
        _l("I understand that the personal data is erased for good."), validators=[DataRequired()]
    )


def _load(prospect_id: int) -> Prospect:
    """A prospect of the agency the user may see (404 / 403 otherwise)."""
    prospect = tenancy.get_or_404(Prospect, prospect_id)
    require(actor(), Action.VIEW, prospect)
    return prospect


def _search(user: User) -> tuple[ProspectSearchForm, search.ProspectFilters]:
    """The list's filter form read from the URL (unparsable filters dropped), and its filters."""
    form = ProspectSearchForm(request.args)
    if is_staff(user):
        form.agent.choices = user_choices(active_only=False, blank=_l("Any"))
    else:
        del form.agent
    if not (is_staff(user) or user.agency.agents_see_unassigned):
        del form.unassigned
    invalid_filters_dropped(form)
    filters = search.ProspectFilters(
        q=(form.q.data or "").strip() or None,
        status=form.status.data or None,
        source=form.source.data or None,
        assigned_agent_id=form.agent.data if "agent" in form else None,
        unassigned=bool(form.unassigned.data) if "unassigned" in form else False,
        sort=form.sort.data or "newest",
    )
    return form, filters


@blueprint.get("")
def index() -> str:
    """The prospects the user may see, searched, filtered, sorted and paginated."""
    user = actor()
    form, filters = _search(user)
    results = search.list_prospects(user, filters, page_arg(request.args.get("page")), PER_PAGE)
    filtered = any(
        [filters.q, filters.status, filters.source, filters.assigned_agent_id, filters.unassigned]
    )
    return render_template(
        "prospects/index.html", form=form, results=results, filtered=filtered, now=utcnow()
    )


@blueprint.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """The whole list, as filtered on the page, as a CSV or XLSX file."""
    user = actor()
    table = exports.prospects(user, _search(user)[1])
    return download(tabular.table_file(table.stem, fmt, table.headers, table.rows))


@blueprint.get("/calls/export.<any(csv, xlsx):fmt>")
def export_calls(fmt: str) -> Response:
    """Every call the user may see (an agent: their own), newest first, as a CSV or XLSX file."""
    table = exports.calls(actor(), search.CallFilters())
    return download(tabular.table_file(table.stem, fmt, table.headers, table.rows))


def _duplicate_of(exc: ServiceError | None) -> Prospect | None:
    """The existing prospect a create clashed with (the trash included), when there is one."""
    if not isinstance(exc, Conflict) or "existing_id" not in exc.details:
        return None
    return db.session.scalars(
        select(Prospect)
        .where(Prospect.id == exc.details["existing_id"])
        .execution_options(include_deleted=True)
    ).first()


@blueprint.route("/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int]:
    """Add a prospect; a duplicate e-mail or phone offers to add the details to the existing one."""
    user = actor()
    form = ProspectForm().configure(user)
    duplicate = None
    status = 200
    if form.validate_on_submit():
        data = form.to_data()
        prospect = attempt(form, prospects.create_prospect, user, data, aliases=form.ERROR_ALIASES)
        if prospect is not None:
            flash(_("%(name)s was added.", name=prospect.full_name), "success")
            return redirect(url_for(".detail", prospect_id=prospect.id))
        duplicate = _duplicate_of(form.service_error)
        if (
            duplicate is not None
            and request.form.get("merge_into") == str(duplicate.id)
            and can(user, Action.EDIT, duplicate)
        ):
            merged = attempt(form, prospects.merge_into, user, duplicate, data, aliases=form.ERROR_ALIASES)
            if merged is not None:
                flash(_("The details were added to %(name)s.", name=merged.full_name), "success")
                return redirect(url_for(".detail", prospect_id=merged.id))
        status = 409 if duplicate is not None else 422
    elif form.is_submitted():
        status = 422
    can_merge = duplicate is not None and can(user, Action.EDIT, duplicate)
    page = render_template(
        "prospects/form.html", form=form, prospect=None, duplicate=duplicate, can_merge=can_merge
    )
    return page, status


@blueprint.route("/<int:prospect_id>/edit", methods=["GET", "POST"])
def edit(prospect_id: int) -> Response | tuple[str, int]:
    """Change a prospect's details and requirements."""
    user = actor()
    prospect = _load(prospect_id)
    require(user, Action.EDIT, prospect)
    form = ProspectForm(data=ProspectForm.initial(prospect)).configure(user, prospect)
    status = 200
    if form.validate_on_submit():
        updated = attempt(
            form, prospects.update_prospect, user, prospect, form.to_data(), aliases=form.ERROR_ALIASES
        )
        if updated is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", prospect_id=prospect.id))
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("prospects/form.html", form=form, prospect=prospect, duplicate=None), status


def _follow_ups(prospect: Prospect) -> list[FollowUp]:
    return list(
        db.session.scalars(
            select(FollowUp)
            .where(FollowUp.prospect_id == prospect.id)
            .options(selectinload(FollowUp.assignee))
            .order_by(FollowUp.done_at.is_not(None), FollowUp.due_at, FollowUp.id)
            .limit(FOLLOW_UP_LIMIT)
        )
    )


def _visits(user: User, prospect: Prospect) -> list[Visit]:
    """The prospect's latest visits the user may see."""
    stmt = visible_visits(select(Visit).where(Visit.prospect_id == prospect.id), user)
    return list(
        db.session.scalars(
            stmt.options(selectinload(Visit.property), selectinload(Visit.agent))
            .order_by(Visit.starts_at.desc(), Visit.id.desc())
            .limit(VISIT_LIMIT)
        )
    )


def _editable_calls(user: User, prospect: Prospect) -> set[int]:
    """The ids of the prospect's calls the user may correct or delete (theirs; staff: all)."""
    stmt = select(Call.id).where(Call.prospect_id == prospect.id)
    if not is_staff(user):
        stmt = stmt.where(Call.agent_id == user.id)
    return set(db.session.scalars(stmt))


def _render_detail(prospect: Prospect, status: int = 200, **forms: FlaskForm) -> tuple[str, int]:
    """The 360° page; a form that failed is passed in to show its errors."""
    user = actor()
    call_form = forms.get("call_form") or CallForm(formdata=None)
    note_form = forms.get("note_form") or NoteForm(formdata=None)
    follow_up_form = (forms.get("follow_up_form") or FollowUpForm(formdata=None)).configure(user)
    assign_form = None
    if can(user, Action.ASSIGN):
        assign_form = forms.get("assign_form") or AssignForm(
            formdata=None, data={"agent_id": prospect.assigned_agent_id, "move_visits": True,
                                 "move_follow_ups": True}
        )
        assign_form.agent_id.choices = user_choices(blank=_l("Unassigned"), keep=prospect.assigned_agent_id)
    entries = timeline.newest(user, prospect, TIMELINE_LIMIT)
    return (
        render_template(
            "prospects/detail.html",
            prospect=prospect,
            entries=entries,
            timeline_full=len(entries) >= TIMELINE_LIMIT,
            follow_ups=_follow_ups(prospect),
            visit_rows=_visits(user, prospect),
            matches=matching.properties_for(prospect, limit=MATCH_LIMIT),
            call_form=call_form,
            note_form=note_form,
            follow_up_form=follow_up_form,
            assign_form=assign_form,
            editable=can(user, Action.EDIT, prospect),
            editable_calls=_editable_calls(user, prospect),
            now=utcnow(),
        ),
        status,
    )


@blueprint.get("/<int:prospect_id>")
def detail(prospect_id: int) -> tuple[str, int]:
    """Facts, requirements, follow-ups and the timeline of one prospect."""
    return _render_detail(_load(prospect_id))


@blueprint.post("/<int:prospect_id>/calls")
def log_call(prospect_id: int) -> Response | tuple[str, int]:
    """Log a call (and maybe plan the next follow-up)."""
    prospect = _load(prospect_id)
    require(actor(), Action.EDIT, prospect)  # reading the prospect is not enough
    form = CallForm()
    if form.validate_on_submit():
        aliases = {"duration_seconds": "duration_minutes"}
        if attempt(form, calls.log_call, actor(), form.to_data(prospect), aliases=aliases) is not None:
            flash(_("Call logged."), "success")
            return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="timeline"))
        if "duration_seconds" in form.service_error.details:
            form.duration_minutes.errors = [_("Give the duration in whole minutes, from 0 to 1,440.")]
    return _render_detail(_load(prospect_id), 422, call_form=form)


def _load_call(prospect: Prospect, call_id: int) -> Call:
    """A call of ``prospect`` the user may correct: 404 for another agency's or prospect's, else 403."""
    call = calls.get_call(actor(), call_id, Action.EDIT)
    if call.prospect_id != prospect.id:
        abort(404)
    return call


def _render_call(prospect: Prospect, call: Call, form: CallEditForm, delete_form: DeleteCallForm,
                 status: int = 200) -> tuple[str, int]:
    return render_template(
        "prospects/call.html", prospect=prospect, call=call, form=form, delete_form=delete_form,
        out_of_range=not dates.instant_in_range(call.occurred_at),
    ), status


@blueprint.route("/<int:prospect_id>/calls/<int:call_id>/edit", methods=["GET", "POST"])
def edit_call(prospect_id: int, call_id: int) -> Response | tuple[str, int]:
    """Correct a logged call (its agent; admins and managers: any), or ask to delete it."""
    prospect = _load(prospect_id)
    call = _load_call(prospect, call_id)
    form = CallEditForm(data=CallEditForm.initial(call))
    if form.validate_on_submit():
        aliases = {"duration_seconds": "duration_minutes"}
        if attempt(form, calls.update_call, actor(), call, form.to_data(call), aliases=aliases) is not None:
            flash(_("Call corrected."), "success")
            return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="timeline"))
    status = 422 if form.is_submitted() else 200
    return _render_call(prospect, call, form, DeleteCallForm(formdata=None), status)


@blueprint.post("/<int:prospect_id>/calls/<int:call_id>/delete")
def delete_call(prospect_id: int, call_id: int) -> Response | tuple[str, int]:
    """Delete a call logged by mistake, once the box confirming it is ticked."""
    prospect = _load(prospect_id)
    call = _load_call(prospect, call_id)
    delete_form = DeleteCallForm()
    if delete_form.validate_on_submit():
        calls.delete_call(actor(), call)
        flash(_("Call deleted."), "success")
        return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="timeline"))
    form = CallEditForm(formdata=None, data=CallEditForm.initial(call))
    return _render_call(prospect, call, form, delete_form, 422)


@blueprint.post("/<int:prospect_id>/notes")
def add_note(prospect_id: int) -> Response | tuple[str, int]:
    """Add a note to the timeline."""
    prospect = _load(prospect_id)
    require(actor(), Action.EDIT, prospect)
    form = NoteForm()
    if form.validate_on_submit() and attempt(
        form, prospects.add_note, actor(), prospect, form.body.data or ""
    ):
        flash(_("Note added."), "success")
        return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="timeline"))
    return _render_detail(_load(prospect_id), 422, note_form=form)


@blueprint.post("/<int:prospect_id>/follow-ups")
def add_follow_up(prospect_id: int) -> Response | tuple[str, int]:
    """Plan a follow-up."""
    prospect = _load(prospect_id)
    require(actor(), Action.EDIT, prospect)
    user = actor()
    form = FollowUpForm().configure(user)
    if form.validate_on_submit() and attempt(
        form, calls.create_follow_up, user, form.to_data(prospect)
    ):
        flash(_("Follow-up planned."), "success")
        return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="follow-ups"))
    return _render_detail(_load(prospect_id), 422, follow_up_form=form)


def _set_follow_up_done(prospect_id: int, follow_up_id: int, done: bool) -> Response:
    prospect = _load(prospect_id)
    user = actor()
    follow_up = calls.get_follow_up(user, follow_up_id)
    if follow_up.prospect_id != prospect.id:
        abort(404)  # a follow-up of another prospect is not under this one
    calls.update_follow_up(user, follow_up, {"done": done})
    flash(_("Follow-up done.") if done else _("Follow-up reopened."), "success")
    if request.form.get("back") == "dashboard":
        return redirect(url_for("dashboard.index"))
    return redirect(url_for(".detail", prospect_id=prospect.id, _anchor="follow-ups"))


@blueprint.post("/<int:prospect_id>/follow-ups/<int:follow_up_id>/done")
def complete_follow_up(prospect_id: int, follow_up_id: int) -> Response:
    """Mark a follow-up done."""
    return _set_follow_up_done(prospect_id, follow_up_id, True)


@blueprint.post("/<int:prospect_id>/follow-ups/<int:follow_up_id>/reopen")
def reopen_follow_up(prospect_id: int, follow_up_id: int) -> Response:
    """Mark a done follow-up as still to do."""
    return _set_follow_up_done(prospect_id, follow_up_id, False)


@blueprint.post("/<int:prospect_id>/assign")
def assign(prospect_id: int) -> Response | tuple[str, int]:
    """Give the prospect to an agent, with its future visits and open follow-ups unless the
    boxes are unticked, or put it back in the unassigned pool (staff); as a bulk reassignment,
    a moved visit that would double-book the agent refuses it all."""
    user = actor()
    require(user, Action.ASSIGN)
    prospect = _load(prospect_id)
    form = AssignForm()
    hand = partial(reassign.reassign, move_visits=bool(form.move_visits.data),
                   move_follow_ups=bool(form.move_follow_ups.data))
    result = form.validate_on_submit() and attempt(form, hand, user, [prospect.id], form.agent_id.data)
    if result:
        flash(_assigned_message(result), "success")
        return redirect(url_for(".detail", prospect_id=prospect.id))
    status = 422
    refusal = getattr(form, "service_error", None)
    if isinstance(refusal, Conflict):
        status = 409
        form.form_errors.extend(c["message"] for c in refusal.details.get("clashes", []))
    form.agent_id.choices = user_choices(blank=_l("Unassigned"), keep=form.agent_id.data)
    return _render_detail(_load(prospect_id), status, assign_form=form)


def _assigned_message(result: reassign.ReassignResult) -> str:
    if result.agent_id is None:
        return _("Back in the unassigned pool.")
    agent = db.session.get(User, result.agent_id)
    assert agent is not None
    message = _("Assigned to %(name)s.", name=agent.name)
    if result.visits_moved or result.follow_ups_moved:
        message += " " + _(
            "Moved with the prospect: %(visits)s and %(follow_ups)s.",
            visits=ngettext("%(num)s visit", "%(num)s visits", result.visits_moved),
            follow_ups=ngettext("%(num)s open follow-up", "%(num)s open follow-ups", result.follow_ups_moved),
        )
    return message


@blueprint.post("/<int:prospect_id>/delete")
def delete(prospect_id: int) -> Response:
    """Move the prospect to the trash (staff)."""
    user = actor()
    require(user, Action.DELETE)
    prospect = _load(prospect_id)
    prospects.delete_prospect(user, prospect)
    flash(_("%(name)s was moved to the trash.", name=prospect.full_name), "success")
    return redirect(url_for(".index"))


@blueprint.route("/<int:prospect_id>/erase", methods=["GET", "POST"])
def erase(prospect_id: int) -> Response | tuple[str, int]:
    """GDPR erasure after an explicit confirmation (admins)."""
    user = actor()
    require(user, Action.ERASE)
    # a prospect in the trash can be erased too, but not twice
    prospect = tenancy.get_or_404(Prospect, prospect_id, include_deleted=True)
    if prospect.erased_at is not None:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        prospects.erase_prospect(user, prospect)
        flash(_("The personal data was erased."), "success")
        return redirect(url_for(".index"))
    status = 422 if form.is_submitted() else 200
    return render_template("prospects/erase.html", prospect=prospect, form=form), status
