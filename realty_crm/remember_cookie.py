"""Flask-Login's manager, with the remember-me cookie marked Secure on every HTTPS request."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import LoginManager
from werkzeug.wrappers import Response


class HttpsAwareLoginManager(LoginManager):
    """Sets the remember-me cookie as Flask-Login does, Secure whenever the request came over
    HTTPS (``REMEMBER_COOKIE_SECURE`` makes it Secure on plain HTTP too), as the session cookie is."""

    def _set_cookie(self, response: Response) -> None:
        if not request.is_secure:
            super()._set_cookie(response)
            return
        set_cookie = response.set_cookie

        def set_secure_cookie(*args: Any, **kwargs: Any) -> None:
            set_cookie(*args, **{**kwargs, "secure": True})

        response.set_cookie = set_secure_cookie  # type: ignore[method-assign]
        try:
            super()._set_cookie(response)
        finally:
            del response.set_cookie
