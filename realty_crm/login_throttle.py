"""Failed sign-ins slow down one (account, address) pair with a growing delay.

The first ``LOGIN_FREE_FAILURES`` wrong passwords for an e-mail from one client address cost
nothing; each further one makes that pair wait ``LOGIN_FIRST_DELAY_SECONDS``, then twice as
long, and so on up to ``LOGIN_MAX_DELAY_SECONDS``. Nobody is locked out: the owner signing in
from another address is a pair of its own and is not slowed by an attacker's guesses, and a
success clears the pair. The counters live in the rate limiter's storage (Redis when
``RATELIMIT_STORAGE_URI`` names one), so every server process sees them. While that storage
does not answer, the throttle steps aside (logged), as the rate limits do: sign-in keeps working.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from .extensions import limiter

# how long a pair's failures are remembered after the first one
FAILURE_MEMORY_SECONDS = 24 * 60 * 60
logger = logging.getLogger(__name__)
T = TypeVar("T")


def _stored(read_or_write: Callable[[], T], otherwise: T) -> T:
    """``read_or_write()`` on the limiter's storage; ``otherwise`` (logged) when it fails."""
    try:
        return read_or_write()
    except Exception as exc:  # the storage's client raises its own errors (redis, memcached...)
        logger.warning("login throttle skipped: the rate-limit storage failed: %s", exc)
        return otherwise


def _keys(email: str, address: str) -> tuple[str, str]:
    account = hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()
    base = f"{current_app.config.get('RATELIMIT_KEY_PREFIX', '')}/login-pair/{account}/{address}"
    return f"{base}/failures", f"{base}/blocked"


def wait_seconds(email: str, address: str) -> int:
    """Seconds the pair must still wait before its next attempt is checked (0: go ahead)."""
    _, blocked = _keys(email, address)
    if _stored(lambda: limiter.storage.get(blocked), 0) <= 0:
        return 0
    expiry = _stored(lambda: limiter.storage.get_expiry(blocked), time.time())
    return max(1, math.ceil(expiry - time.time()))


def delay_after(failures: int) -> int:
    """The wait imposed after the pair's ``failures``-th failure in a row."""
    config = current_app.config
    extra = failures - int(config["LOGIN_FREE_FAILURES"])
    if extra < 0:
        return 0
    first, most = int(config["LOGIN_FIRST_DELAY_SECONDS"]), int(config["LOGIN_MAX_DELAY_SECONDS"])
    return min(most, first * 2 ** min(extra, 32))


def record_failure(email: str, address: str) -> int:
    """Count a wrong password for the pair; returns the wait it now has (0: none)."""
    failures_key, blocked = _keys(email, address)
    failures = _stored(lambda: limiter.storage.incr(failures_key, FAILURE_MEMORY_SECONDS), 0)
    delay = delay_after(failures)
    if delay:
        _stored(lambda: limiter.storage.incr(blocked, delay), 0)
    return delay


def record_success(email: str, address: str) -> None:
    """Forget the pair's failures."""
    for key in _keys(email, address):
        _stored(lambda key=key: limiter.storage.clear(key), None)
