"""The demo agency's enquiry form, so that a newcomer has a form to try at once.

When the marketing_forms plugin is installed, the demo switches it on in the demo agency and
builds the form through the plugin's own editor, as a manager would; without the plugin the
demo simply has no form.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from . import plugin_host, tenancy
from .extensions import db
from .models import Agency, User
from .services import plugins

PLUGIN = "marketing_forms"
# the public form page's endpoint (the plugin's blueprint for /f/<agency>/<form>)
PUBLIC_ENDPOINT = f"{PLUGIN}_public.show"

# the form in the demo agency's language
FORMS: dict[str, dict[str, Any]] = {
    "es": {
        "name": "Pide información",
        "slug": "contacto",
        "intro": "Cuéntanos qué buscas y un agente de la zona te llamará hoy mismo.",
        "consent_text": "Quiero recibir novedades de inmuebles como estos.",
        "thank_you_message": "¡Gracias! Un agente te llamará hoy.",
    },
    "en": {
        "name": "Ask about a home",
        "slug": "contact",
        "intro": "Tell us what you are looking for and an agent of the area will call you today.",
        "consent_text": "Send me news about homes like these.",
        "thank_you_message": "Thank you! An agent will call you today.",
    },
}
FIELDS = ("last_name", "email", "phone", "operation", "property_type", "area", "max_price", "message")


def installed() -> bool:
    """Whether the marketing_forms plugin is installed."""
    return PLUGIN in plugin_host.get_host().names


def add_demo_form(agency: Agency, manager: User, locale: str) -> None:
    """Switch the plugin on in the demo agency and build its enquiry form as ``manager``, in the
    agency's language; nothing when the plugin is not installed."""
    if not installed():
        return
    from realty_crm_marketing_forms.editor import save_form

    plugins.set_enabled(None, agency, PLUGIN, True)
    with tenancy.scope(agency.id):
        save_form(manager, None, {**FORMS[locale], "fields": [{"name": name} for name in FIELDS]})


def demo_form_url(agency: Agency, base_url: str) -> str | None:
    """The public address of the demo's enquiry form, served at ``base_url``; None when the
    plugin is not installed or not on in the agency, or the form is not there."""
    if not installed() or not plugin_host.get_host().is_enabled(agency, PLUGIN):
        return None
    from realty_crm_marketing_forms.models import EnquiryForm

    slugs = [form["slug"] for form in FORMS.values()]
    with tenancy.scope(agency.id):
        slug = db.session.scalars(
            select(EnquiryForm.slug).where(EnquiryForm.slug.in_(slugs), EnquiryForm.active.is_(True))
        ).first()
    if slug is None:
        return None
    with current_app.test_request_context(base_url=base_url):
        return url_for(PUBLIC_ENDPOINT, agency_slug=agency.slug, form_slug=slug, _external=True)
