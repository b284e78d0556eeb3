"""Processing enquiries in the web worker that answered them, when it has nothing else to do.

A lone enquiry becomes a prospect the moment its visitor has been thanked. While other
submissions are being answered in the process (a burst), the worker leaves the queue to the
scheduler's job, which runs in its own process every few seconds: web workers keep their
time for visitors, and the queue is worked through beside them.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from realty_crm.plugin_api import Agency, db, tenancy

from . import processing

logger = logging.getLogger(__name__)

# at most this many per answer: a long queue left by a burst is the scheduler's
INLINE_LIMIT = 5 * processing.BATCH
EXTENSION = "marketing_forms_inline"


class InlineProcessing:
    """One app's count of submissions being answered, and who is processing each agency's queue."""

    def __init__(self) -> None:
        self._answering = 0
        self._lock = threading.Lock()
        self._draining: dict[int, threading.Lock] = {}

    def begin(self) -> None:
        """A submission arrived."""
        with self._lock:
            self._answering += 1

    def end(self) -> bool:
        """Its answer has gone out (or it was refused); True when no other submission is
        being answered."""
        with self._lock:
            self._answering -= 1
            return self._answering == 0

    def after_answer(self, app: Flask, agency_id: int, received: bool) -> None:
        """Called once the answer to a submission has gone out (``received``: one was kept).
        Processes the agency's queue if the app is otherwise idle and no other thread is
        already at it."""
        if not self.end() or not received:
            return
        with self._lock:
            lock = self._draining.setdefault(agency_id, threading.Lock())
        if not lock.acquire(blocking=False):
            return
        try:
            with app.app_context(), tenancy.scope(agency_id):
                try:
                    processing.process_pending(db.session.get(Agency, agency_id), limit=INLINE_LIMIT)
                except Exception:
                    logger.exception("marketing_forms: processing agency %s's submissions failed", agency_id)
                    db.session.rollback()
        finally:
            lock.release()


def for_app(app: Flask) -> InlineProcessing:
    """The app's ``InlineProcessing`` (one per app, so apps in one process never share it)."""
    return app.extensions.setdefault(EXTENSION, InlineProcessing())
