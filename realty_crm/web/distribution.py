"""Work distribution for admins and managers: the unassigned leads, bulk reassignment after a
confirmation page that shows what moves, and the agents' workload."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext, npgettext
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import BooleanField, HiddenField, RadioField, SelectChoice, SelectField

from ..collation import collated
from ..errors import ServiceError, ValidationFailed, invalid
from ..extensions import db
from ..models import OPEN_STATUSES, Prospect, User, utcnow
from ..policy import Action
from ..services import assignment, reassign, search
from ..services.reassign import Plan, ReassignResult
from ..services.workload import Workload, count_open_for, workload_for
from .common import PER_PAGE, actor, guard, page_arg
from .forms import SearchForm, choices, record_id

blueprint = Blueprint("distribution", __name__, url_prefix="/distribution")
guard(blueprint, Action.ASSIGN)

# the agent choice that puts prospects back in the unassigned pool
NOBODY = "none"
# the lists a reassignment can start from, and go back to once done
BACK = {"unassigned": "distribution.index", "prospects": "prospects.index"}


class AgentChoiceForm(SearchForm):
    """Who gets the ticked prospects: chosen before the confirmation page (changes nothing)."""

    agent = SelectField(_l("Give them to"), validate_choice=False, default="")
    back = HiddenField(default="unassigned")


class RuleForm(FlaskForm):
    """The agency's assignment rule, which managers set as well as admins."""

    rule = RadioField(_l("Assignment of new leads"), validate_choice=False)


class ConfirmForm(FlaskForm):
    """The confirmation itself; the prospects and the agent come along as hidden fields."""

    agent = HiddenField()
    back = HiddenField()
    move_visits = BooleanField(_l("Move their future visits to the new agent"), default=True)
    move_follow_ups = BooleanField(_l("Hand their open follow-ups to the new agent"), default=True)


def agent_choices() -> list[SelectChoice]:
    """The active users with the open prospects each holds, and "nobody" (the unassigned pool)."""
    people = db.session.execute(
        select(User.id, User.name).where(User.active.is_(True)).order_by(collated(User.name), User.id)
    ).all()
    held = count_open_for([user_id for user_id, _name in people])
    pairs = [
        (user_id, npgettext("open prospects", "%(name)s (%(num)s open)", "%(name)s (%(num)s open)",
                            held.get(user_id, 0), name=name))
        for user_id, name in people
    ]
    return choices(pairs, blank=_("Choose who…")) + choices(
        [(NOBODY, _("Nobody: back to the unassigned pool"))]
    )


def _back(value: str | None) -> str:
    return value if value in BACK else "unassigned"


def _ids(raw: list[str]) -> list[int]:
    """The ticked prospects' ids (the service checks they are the agency's)."""
    if not raw:
        raise invalid("prospect_ids", _("Tick at least one prospect first."))
    try:
        return [int(value) for value in raw]
    except ValueError:
        raise invalid("prospect_ids", _("The selection is not valid: tick the prospects again.")) from None


def _agent_id(raw: str | None) -> int | None:
    """The chosen agent's id, or None for "nobody"."""
    if raw == NOBODY:
        return None
    if not raw:
        raise invalid("agent_id", _("Choose who gets them."))
    try:
        return record_id(raw)
    except ValueError:
        raise invalid("agent_id", _("No active user with this id in the agency.")) from None


def _render_confirm(
    raw_ids: list[str], raw_agent: str | None, back: str, form: ConfirmForm | None = None,
    refusal: ServiceError | None = None,
) -> tuple[str, int]:
    """The confirmation page: the selection, the agent, and what would move (clashes included)."""
    user = actor()
    plan: Plan | None = None
    problems = [m for m in (refusal.details if refusal else {}).values() if isinstance(m, str)]
    ids: list[int] = []
    status = refusal.status if refusal else 200
    try:
        ids = _ids(raw_ids)
        if raw_agent:  # without a choice yet, the page asks for one
            plan = reassign.preview(user, ids, _agent_id(raw_agent))
    except ServiceError as exc:
        db.session.rollback()
        problems += [m for m in exc.details.values() if isinstance(m, str) and m not in problems]
        status = exc.status
    choice = AgentChoiceForm(formdata=None, data={"agent": raw_agent or "", "back": back})
    choice.agent.choices = agent_choices()
    if form is None:
        form = ConfirmForm(formdata=None, data={"agent": raw_agent, "back": back})
    page = render_template(
        "distribution/confirm.html", ids=ids, plan=plan, choice=choice, form=form, problems=problems,
        back_url=url_for(BACK[back]), nobody=NOBODY,
    )
    return page, status


@blueprint.get("")
def index() -> str:
    """Open prospects nobody holds, newest first, to tick and hand out."""
    stmt = (
        select(Prospect)
        .where(Prospect.assigned_agent_id.is_(None), Prospect.status.in_(OPEN_STATUSES))
        .order_by(Prospect.created_at.desc(), Prospect.id.desc())
    )
    results = search.paginate(stmt, page_arg(request.args.get("page")), PER_PAGE)
    choice = AgentChoiceForm(formdata=None, data={"back": "unassigned"})
    choice.agent.choices = agent_choices()
    return render_template("distribution/index.html", results=results, choice=choice)


@blueprint.get("/reassign")
def confirm() -> tuple[str, int]:
    """What handing the ticked prospects to the chosen agent would move; nothing changes yet."""
    args = request.args
    return _render_confirm(args.getlist("prospect_ids"), args.get("agent"), _back(args.get("back")))


@blueprint.post("/reassign")
def reassign_selected() -> Response | tuple[str, int]:
    """Do the reassignment confirmed on the confirmation page; a refusal shows it there again."""
    form = ConfirmForm()  # its CSRF token was checked before the view (CSRFProtect)
    back = _back(form.back.data)
    raw_ids = request.form.getlist("prospect_ids")
    try:
        result = reassign.reassign(
            actor(), _ids(raw_ids), _agent_id(form.agent.data),
            move_visits=bool(form.move_visits.data), move_follow_ups=bool(form.move_follow_ups.data),
        )
    except ServiceError as exc:
        db.session.rollback()
        return _render_confirm(raw_ids, form.agent.data, back, form, exc)
    flash(_done_message(result), "success")
    return redirect(url_for(BACK[back]))


def _done_message(result: ReassignResult) -> str:
    if result.agent_id is None:
        return ngettext("%(num)s prospect is back in the unassigned pool.",
                        "%(num)s prospects are back in the unassigned pool.", result.reassigned)
    name = db.session.get(User, result.agent_id).name  # type: ignore[union-attr]
    if not result.reassigned:
        return _("%(name)s already holds them: nothing changed.", name=name)
    parts = [ngettext("%(num)s prospect given to %(name)s.", "%(num)s prospects given to %(name)s.",
                      result.reassigned, name=name)]
    if result.visits_moved or result.follow_ups_moved:
        parts.append(_(
            "Moved with them: %(visits)s and %(follow_ups)s.",
            visits=ngettext("%(num)s visit", "%(num)s visits", result.visits_moved),
            follow_ups=ngettext("%(num)s open follow-up", "%(num)s open follow-ups", result.follow_ups_moved),
        ))
    if result.unchanged:
        parts.append(ngettext("%(num)s they already held stayed as it was.",
                              "%(num)s they already held stayed as they were.", result.unchanged))
    return " ".join(parts)


@dataclass
class WorkloadRow:
    """One user on the workload table."""

    user: User
    load: Workload
    away: bool


def _is_away(user: User, now: datetime) -> bool:
    """Away now: inside ``[away_from, away_until)``, an open end stretching forever that way."""
    if user.away_from is None and user.away_until is None:
        return False
    return (user.away_from is None or user.away_from <= now) and (
        user.away_until is None or now < user.away_until
    )


@blueprint.get("/workload")
def workload() -> str:
    """Per active user (and inactive ones still holding open prospects): open prospects, visits
    this week, overdue follow-ups and the last thing they did."""
    user = actor()
    now = utcnow()
    everyone = list(db.session.scalars(select(User).order_by(collated(User.name), User.id)))
    inactive = [u for u in everyone if not u.active]
    still_holding = count_open_for([u.id for u in inactive])
    people = [u for u in everyone if u.active] + [u for u in inactive if still_holding.get(u.id)]
    loads = workload_for(user.agency, [u.id for u in people], now)
    rows = [WorkloadRow(u, loads[u.id], _is_away(u, now)) for u in people]
    unassigned = db.session.scalar(
        select(func.count())
        .select_from(Prospect)
        .where(Prospect.assigned_agent_id.is_(None), Prospect.status.in_(OPEN_STATUSES))
    )
    return render_template("distribution/workload.html", rows=rows, unassigned=unassigned or 0, now=now)


@blueprint.route("/rule", methods=["GET", "POST"])
def rule() -> Response | tuple[str, int]:
    """Which rule gives new leads to agents: manual, round robin, least loaded or by area."""
    user = actor()
    form = RuleForm(data={"rule": user.agency.assignment_rule.value})
    form.rule.choices = [(rule.value, name) for rule, name in assignment.RULE_NAMES.items()]
    status = 200
    if form.validate_on_submit():
        try:
            assignment.set_rule(user, form.rule.data or "")
        except ValidationFailed as exc:
            form.rule.errors = [exc.details.get("assignment_rule", exc.message)]
            status = 422
        else:
            flash(_("New leads are now handed out by the rule “%(rule)s”.",
                    rule=assignment.RULE_NAMES[user.agency.assignment_rule]), "success")
            return redirect(url_for("distribution.rule"))
    elif form.is_submitted():
        status = 422
    page = render_template("distribution/rule.html", form=form, explanations=assignment.RULE_EXPLANATIONS)
    return page, status
