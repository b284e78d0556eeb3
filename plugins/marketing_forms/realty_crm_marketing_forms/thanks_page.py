"""A form's thank-you address: what is accepted when a form is saved, and the only part of it
that reaches the page's Content-Security-Policy (its origin).

The address ends up in two headers, ``Location`` and the policy's ``form-action``; a policy is
a list of directives separated by semicolons, so a quote, a semicolon, a comma, white space or
a control character in it could add a directive. Such addresses are refused when saved, and
the policy only ever gets ``scheme://host[:port]`` rebuilt from the parsed parts, with a host
of letters, digits, dots and dashes (an international name in its ASCII form).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

MAX_LENGTH = 500
SCHEMES = ("http", "https")
# anything that could end a CSP source or a header value, or hide in one
_FORBIDDEN = re.compile(r"[\s'\";,\\\x00-\x1f\x7f]")
# a DNS name with at least one dot: labels of letters, digits and dashes
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"(?=.{{1,253}}$)(?:{_LABEL}\.)+{_LABEL}")


def origin(url: str) -> str | None:
    """The origin of an http(s) thank-you address, ``scheme://host[:port]`` lower-case, or None
    when ``url`` is not an acceptable address (see the module's notes)."""
    if not url or len(url) > MAX_LENGTH or _FORBIDDEN.search(url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        return None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES or parts.username is not None or parts.password is not None:
        return None
    if not _HOST.fullmatch(host):
        return None
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


def is_acceptable(url: str) -> bool:
    """Whether ``url`` may be saved as a form's thank-you address."""
    return origin(url) is not None
