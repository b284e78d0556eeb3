"""Properties: search, the listing forms, the property page with its timeline."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import (
    DecimalField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import Optional

from .. import tenancy
from ..downloads import download
from ..extensions import db
from ..models import ListingOperation, Property, PropertyStatus, PropertyType, Prospect, User, Visit
from ..policy import Action, require, visible_visits
from ..services import activity, exports, matching, properties, search, tabular, timeline, visits
from .common import PER_PAGE, actor, guard, page_arg
from .forms import (
    RecordSelectField,
    SearchForm,
    attempt,
    choices,
    enum_choices,
    invalid_filters_dropped,
    join_list,
    split_list,
    text,
    user_choices,
)
from .pickers import optional_id, resolve_prospect

blueprint = Blueprint("properties", __name__, url_prefix="/properties")
guard(blueprint)

# the service names the owner by id; the form shows the owner's name
ALIASES = {"owner_id": "owner"}

SORT_LABELS = {
    "newest": _l("Newest first"),
    "price_asc": _l("Price, lowest first"),
    "price_desc": _l("Price, highest first"),
    "reference": _l("Reference"),
}
TIMELINE_LIMIT = 200
PLACE_SUGGESTIONS = 300
VISIT_LIMIT = 20
MATCH_LIMIT = 10


class PropertySearchForm(SearchForm):
    q = SearchField(_l("Search"), description=_l("Reference, title, address"))
    operation = SelectField(
        _l("Operation"), choices=enum_choices(ListingOperation, blank=_l("Any")), default=""
    )
    property_type = SelectField(_l("Type"), choices=enum_choices(PropertyType, blank=_l("Any")), default="")
    status = SelectField(_l("Status"), choices=enum_choices(PropertyStatus, blank=_l("Any")), default="")
    city = StringField(_l("City"))
    area = StringField(_l("Area"))
    min_price = DecimalField(_l("Price from"), places=None, validators=[Optional()])
    max_price = DecimalField(_l("Price up to"), places=None, validators=[Optional()])
    min_bedrooms = IntegerField(_l("Bedrooms, at least"), validators=[Optional()])
    sort = SelectField(_l("Sort by"), choices=choices(SORT_LABELS.items()), default="newest")


class PropertyForm(FlaskForm):
    reference = StringField(_l("Reference"), description=_l("Unique in the agency, e.g. MAD-0042."))
    title = StringField(_l("Title"))
    operation = SelectField(
        _l("Operation"), choices=enum_choices(ListingOperation), default="sale", validate_choice=False
    )
    property_type = SelectField(
        _l("Type"), choices=enum_choices(PropertyType), default="flat", validate_choice=False
    )
    status = SelectField(
        _l("Status"), choices=enum_choices(PropertyStatus), default="draft", validate_choice=False
    )
    price = DecimalField(_l("Price"), places=None, validators=[Optional()])
    description = TextAreaField(_l("Description"))
    address = StringField(_l("Address"))
    city = StringField(_l("City"))
    area = StringField(_l("Area"), description=_l("Neighbourhood or district."))
    postcode = StringField(_l("Postcode"))
    bedrooms = IntegerField(_l("Bedrooms"), validators=[Optional()])
    bathrooms = IntegerField(_l("Bathrooms"), validators=[Optional()])
    area_m2 = IntegerField(_l("Size (m²)"), validators=[Optional()])
    features = StringField(_l("Features"), description=_l("Separate them with commas, e.g. lift, terrace."))
    owner = StringField(
        _l("Owner"), description=_l("Type the owner's name, e-mail or phone, and pick them from the list.")
    )
    owner_id = HiddenField(filters=[optional_id])
    listing_agent_id = RecordSelectField(_l("Listing agent"), validate_choice=False)

    def configure(self, prop: Property | None = None) -> PropertyForm:
        """Offer the agency's users as listing agent (and the current one, even if inactive)."""
        current = prop.listing_agent_id if prop is not None else None
        self.listing_agent_id.choices = user_choices(blank=_l("Nobody"), keep=current)
        self.current_owner = prop.owner if prop is not None else None
        self.chosen_owner: Prospect | None = None
        return self

    def validate_owner(self, field: StringField) -> None:
        """The owner typed or picked: one prospect of the agency, or nobody when left blank."""
        resolved = resolve_prospect(self.owner_id.data, field.data, keep=self.current_owner)
        if resolved.error:
            raise ValidationError(resolved.error)
        self.chosen_owner = resolved.record

    def to_data(self) -> dict[str, Any]:
        """The plain input the property services take."""
        return {
            "reference": text(self.reference),
            "title": text(self.title),
            "operation": self.operation.data,
            "property_type": self.property_type.data,
            "status": self.status.data,
            "price": self.price.data,
            "description": text(self.description),
            "address": text(self.address),
            "city": text(self.city),
            "area": text(self.area),
            "postcode": text(self.postcode),
            "bedrooms": self.bedrooms.data,
            "bathrooms": self.bathrooms.data,
            "area_m2": self.area_m2.data,
            "features": split_list(self.features.data),
            "owner_id": self.chosen_owner.id if self.chosen_owner is not None else None,
            "listing_agent_id": self.listing_agent_id.data,
        }

    @staticmethod
    def initial(prop: Property) -> dict[str, Any]:
        """The form's values for an existing property."""
        values = {field: getattr(prop, field) for field in properties.FIELDS}
        for field in ("operation", "property_type", "status"):
            values[field] = values[field].value
        values["features"] = join_list(prop.features)
        values["owner"] = prop.owner.full_name if prop.owner is not None else ""
        return values


def _place_suggestions(column: Any) -> list[str]:
    """Cities or areas already used in the agency, for the filter's suggestions."""
    stmt = select(column).where(column != "").distinct().order_by(column).limit(PLACE_SUGGESTIONS)
    return list(db.session.scalars(stmt))


def _search() -> tuple[PropertySearchForm, search.PropertyFilters]:
    """The search form read from the URL (unparsable filters dropped), and its filters."""
    form = PropertySearchForm(request.args)
    invalid_filters_dropped(form)
    filters = search.PropertyFilters(
        q=(form.q.data or "").strip() or None,
        operation=form.operation.data or None,
        property_type=form.property_type.data or None,
        status=form.status.data or None,
        city=(form.city.data or "").strip() or None,
        area=(form.area.data or "").strip() or None,
        min_price=form.min_price.data,
        max_price=form.max_price.data,
        min_bedrooms=form.min_bedrooms.data,
        sort=form.sort.data or "newest",
    )
    return form, filters


@blueprint.get("")
def index() -> str:
    """Property search: text, operation, type, status, place, price and bedrooms."""
    form, filters = _search()
    results = search.list_properties(filters, page_arg(request.args.get("page")), PER_PAGE)
    filtered = any(
        value not in (None, "")
        for name, value in vars(filters).items()
        if name not in ("sort", "deleted")
    )
    return render_template(
        "properties/index.html",
        form=form,
        results=results,
        filtered=filtered,
        cities=_place_suggestions(Property.city),
        areas=_place_suggestions(Property.area),
    )


@blueprint.get("/export.<any(csv, xlsx):fmt>")
def export(fmt: str) -> Response:
    """Every property the search keeps, as filtered on the page, as a CSV or XLSX file."""
    table = exports.properties(actor(), _search()[1])
    return download(tabular.table_file(table.stem, fmt, table.headers, table.rows))


def _create_data(form: PropertyForm) -> dict[str, Any]:
    # on create, a blank field means "the default", which the service knows
    return {key: value for key, value in form.to_data().items() if value is not None}


@blueprint.route("/new", methods=["GET", "POST"])
def create() -> Response | tuple[str, int]:
    """List a new property."""
    user = actor()
    require(user, Action.CREATE)
    form = PropertyForm(data={"listing_agent_id": user.id}).configure()
    status = 200
    if form.validate_on_submit():
        prop = attempt(form, properties.create_property, user, _create_data(form), aliases=ALIASES)
        if prop is not None:
            flash(_("Property %(ref)s was listed.", ref=prop.reference), "success")
            return redirect(url_for(".detail", property_id=prop.id))
        status = 409 if form.service_error.status == 409 else 422
    elif form.is_submitted():
        status = 422
    return render_template("properties/form.html", form=form, prop=None), status


def _load(property_id: int) -> Property:
    prop = tenancy.get_or_404(Property, property_id)
    require(actor(), Action.VIEW, prop)
    return prop


@blueprint.route("/<int:property_id>/edit", methods=["GET", "POST"])
def edit(property_id: int) -> Response | tuple[str, int]:
    """Change a property."""
    user = actor()
    prop = _load(property_id)
    require(user, Action.EDIT, prop)
    form = PropertyForm(data=PropertyForm.initial(prop)).configure(prop)
    status = 200
    if form.validate_on_submit():
        if attempt(form, properties.update_property, user, prop, form.to_data(), aliases=ALIASES) is not None:
            flash(_("Changes saved."), "success")
            return redirect(url_for(".detail", property_id=prop.id))
        status = 409 if form.service_error.status == 409 else 422
    elif form.is_submitted():
        status = 422
    return render_template("properties/form.html", form=form, prop=prop), status


def _visits(user: User, prop: Property) -> list[Visit]:
    """The property's latest visits the user may see."""
    stmt = visible_visits(select(Visit).where(Visit.property_id == prop.id), user)
    return list(
        db.session.scalars(
            stmt.options(selectinload(Visit.prospect), selectinload(Visit.agent))
            .order_by(Visit.starts_at.desc(), Visit.id.desc())
            .limit(VISIT_LIMIT)
        )
    )


@blueprint.get("/<int:property_id>")
def detail(property_id: int) -> str:
    """One property: its facts, its visits, the prospects it matches and its timeline."""
    user = actor()
    prop = _load(property_id)
    entries = timeline.entries(activity.timeline(property=prop, limit=TIMELINE_LIMIT))
    listing_agent: User | None = prop.listing_agent
    return render_template(
        "properties/detail.html",
        prop=prop,
        owner=prop.owner,
        listing_agent=listing_agent,
        entries=entries,
        timeline_full=len(entries) >= TIMELINE_LIMIT,
        visit_rows=_visits(user, prop),
        matches=matching.prospects_for(user, prop, limit=MATCH_LIMIT),
        bookable=prop.status not in visits.OFF_MARKET,
    )


@blueprint.post("/<int:property_id>/delete")
def delete(property_id: int) -> Response:
    """Move the property to the trash (staff)."""
    user = actor()
    require(user, Action.DELETE)
    prop = _load(property_id)
    properties.delete_property(user, prop)
    flash(_("Property %(ref)s was moved to the trash.", ref=prop.reference), "success")
    return redirect(url_for(".index"))
