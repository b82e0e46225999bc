"""Celery beat's scheduler: the static schedule of zhaoshang/celery.py kept in a file under
ZHAOSHANG_DATA (CELERY_BEAT_SCHEDULE_FILENAME), and a heartbeat row written from beat's own loop,
so the health page sees a beat that has stopped ticking, not merely a process that exists."""

from __future__ import annotations

import logging
import time

from celery.beat import PersistentScheduler
from django.db import DatabaseError, connection

from . import conf
from .health import beat_now, stopped
from .services import process_name

logger = logging.getLogger(__name__)


class Scheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        self.heartbeat_name = process_name()
        self._last_heartbeat = 0.0
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        interval = conf.heartbeat_seconds()
        if time.monotonic() - self._last_heartbeat >= interval:
            try:
                beat_now("beat", self.heartbeat_name)
                self._last_heartbeat = time.monotonic()
            except DatabaseError:
                logger.warning("beat heartbeat not recorded")
                connection.close()
        return min(super().tick(*args, **kwargs), interval)

    def close(self):
        try:
            stopped(self.heartbeat_name)
        except DatabaseError:
            pass
        super().close()
