"""``crm_constraint_messages``: a plugin words the clashes of its own unique constraints; a
declaration that does not fit is refused at start-up. (The race it is for is tested with the
marketing_forms plugin, whose form addresses are unique in an agency.)"""

from __future__ import annotations

import re
from typing import Any

import pluggy
import pytest

from realty_crm import hookimpl
from realty_crm.plugin_host import PluginHost


class Wording:
    def __init__(self, messages: dict[str, Any]) -> None:
        self.messages = messages

    @hookimpl
    def crm_constraint_messages(self) -> dict[str, Any]:
        return self.messages


def test_a_plugins_constraint_messages_are_known_to_the_host():
    host = PluginHost()

    host.register(Wording({"uq_tours_agency_code": ("code", "Another tour has this code.")}), "tours")

    assert host.constraint_messages == {"uq_tours_agency_code": ("code", "Another tour has this code.")}


@pytest.mark.parametrize(
    ("messages", "words"),
    [
        ({"uq_tours_agency_code": ("slug", "Taken.")}, "worded by another plugin"),
        ({"uq_rooms_agency_code": "Taken."}, "needs (field, message)"),
        ({"uq_rooms_agency_code": ("code",)}, "needs (field, message)"),
    ],
)
def test_a_constraint_declaration_that_does_not_fit_is_refused_at_start_up(messages, words):
    host = PluginHost()
    host.register(Wording({"uq_tours_agency_code": ("code", "Another tour has this code.")}), "tours")

    with pytest.raises(pluggy.PluginValidationError, match=re.escape(words)):
        host.register(Wording(messages), "rooms")

    assert not host.pm.has_plugin("rooms") and "rooms" not in host.infos
    assert list(host.constraint_messages) == ["uq_tours_agency_code"]
