"""Serving the app in production: waitress in one process, or gunicorn with several.

Behind a reverse proxy, ``TRUSTED_PROXIES`` (how many proxies) and ``TRUSTED_PROXY_ADDRESS``
(the nearest one's address, ``*`` for any) say whose ``X-Forwarded-For/-Proto/-Host`` to
believe. Both servers apply the same rule: a request whose peer is not that address has
those headers removed, so nobody can choose the client address the rate limits are keyed
on, nor pass for HTTPS. waitress does it itself (``trusted_proxy`` and friends); under
gunicorn waitress's own middleware does it in each worker. Werkzeug's ``ProxyFix``, set up
by the app factory, then reads the hop count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

PROXY_HEADERS = "x-forwarded-for x-forwarded-proto x-forwarded-host"


def waitress_proxy_options(config: dict[str, Any]) -> dict[str, Any]:
    """waitress settings for the configured proxies (none: every X-Forwarded-* is dropped)."""
    hops = int(config.get("TRUSTED_PROXIES") or 0)
    if hops <= 0:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": str(config["TRUSTED_PROXY_ADDRESS"]),
        "trusted_proxy_count": hops,
        "trusted_proxy_headers": PROXY_HEADERS,
        "clear_untrusted_proxy_headers": True,
    }


def serve_one_process(app: Flask, host: str, port: int, threads: int) -> None:
    """Serve with waitress in this process until stopped."""
    import waitress

    from .memory import limit_malloc_arenas

    limit_malloc_arenas()  # before waitress starts its threads
    waitress.serve(
        app, host=host, port=port, threads=threads, ident="realty-crm",
        **waitress_proxy_options(app.config),
    )


def _trusting_only_the_proxy(app: Flask) -> Callable[..., Any]:
    """The app behind the same peer check waitress makes (for gunicorn's workers)."""
    from waitress.proxy_headers import proxy_headers_middleware

    options = waitress_proxy_options(app.config)
    return proxy_headers_middleware(  # type: ignore[no-any-return]
        app,
        trusted_proxy=options.get("trusted_proxy"),
        trusted_proxy_count=options.get("trusted_proxy_count", 1),
        trusted_proxy_headers=set(options.get("trusted_proxy_headers", "").split()),
        clear_untrusted=True,
    )


def serve_several_processes(
    make_app: Callable[[], Flask], host: str, port: int, workers: int, threads: int
) -> None:
    """Serve with gunicorn: ``workers`` processes (each builds its own app, its own database
    connections) sharing one listening socket, ``threads`` threads each. Linux/Unix only."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "proc_name": "realty-crm",
                # the scheme and client address come from the proxy check above, not gunicorn
                "secure_scheme_headers": {},
                "forwarded_allow_ips": "",
                "accesslog": None,
                "graceful_timeout": 30,
            }
            # newer gunicorns open a control socket at one fixed path per user: not wanted
            if "control_socket_disable" in self.cfg.settings:
                settings["control_socket_disable"] = True
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Callable[..., Any]:
            from .memory import limit_malloc_arenas

            limit_malloc_arenas()  # in each worker, before its threads start
            return _trusting_only_the_proxy(make_app())

    Server().run()
