"""Postgres LISTEN/NOTIFY as a wake-up hint for the queues (polling stays the safety net).

``PostgresNotifier.notify`` runs ``pg_notify`` in the caller's transaction: Postgres delivers
it at commit, to every listening process. Each process keeps ONE listening connection, owned
by a daemon thread that starts with the first wait: it LISTENs to the channels waited on and
turns each notification into a local ``Wakeup``. New channels and shutdown reach that thread
through a NOTIFY on its private control channel. A lost connection is re-opened after a pause;
meanwhile waits time out and callers poll, as they always may.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from lanner.store.sql.database import Database
from lanner.store.wakeup import Wakeup

log = logging.getLogger(__name__)

RECONNECT_PAUSE = 1.0  # seconds between attempts to re-open a lost listening connection
LOOP_TIMEOUT = 1.0  # the listening thread checks for shutdown at least this often
LISTEN_SETUP_TIMEOUT = 5.0  # how long a wait may take to get its channel listened to


def _quote_channel(channel: str) -> str:
    return '"' + channel.replace('"', '""') + '"'


class PostgresNotifier:
    in_band = True

    def __init__(self, db: Database, connect: Callable[[], Any]) -> None:
        """``connect()`` opens a new autocommit psycopg connection to the same database."""
        self._db = db
        self._connect = connect
        self._wakeup = Wakeup()
        self._control = f"lanner_control_{uuid.uuid4().hex}"
        self._lock = threading.Condition()
        self._wanted: set[str] = set()
        self._listening: set[str] = set()
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()

    def notify(self, channel: str) -> None:
        self._db.execute("SELECT pg_notify(?, '')", (channel,))

    def wait(self, channel: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        self._wakeup.watch(channel)
        # The first wait on a channel returns once Postgres listens to it, even past a short
        # timeout: from then on no NOTIFY is missed, however soon it comes.
        if not self._listen(channel, max(timeout, LISTEN_SETUP_TIMEOUT)):
            return False
        return self._wakeup.wait(channel, max(0.0, deadline - time.monotonic()))

    def wait_for_notification(self, channel: str, timeout: float) -> bool:
        """Any channel: True when a NOTIFY on it arrived since this thread last waited."""
        return self.wait(channel, timeout)

    def _listen(self, channel: str, timeout: float) -> bool:
        """Make sure the listening thread LISTENs to ``channel`` (False: not within ``timeout``)."""
        with self._lock:
            if channel in self._listening:
                return True
            if self._stopping.is_set():
                return False
            self._wanted.add(channel)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lanner-pg-listen", daemon=True)
                self._thread.start()
            else:
                self._poke()
            self._lock.wait_for(lambda: channel in self._listening or self._stopping.is_set(), timeout)
            return channel in self._listening

    def _poke(self) -> None:
        """Wake the listening thread (it re-reads the wanted channels and the stop flag)."""
        try:
            self._db.execute("SELECT pg_notify(?, '')", (self._control,))
        except Exception:  # the thread also wakes by itself every LOOP_TIMEOUT
            log.debug("could not wake the LISTEN thread", exc_info=True)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                connection = self._connect()
            except Exception:
                log.warning("cannot open the PostgreSQL LISTEN connection; retrying", exc_info=True)
                self._stopping.wait(RECONNECT_PAUSE)
                continue
            try:
                self._serve(connection)
            except Exception:
                if not self._stopping.is_set():
                    log.warning("the PostgreSQL LISTEN connection failed; re-opening it", exc_info=True)
                    self._stopping.wait(RECONNECT_PAUSE)
            finally:
                with self._lock:
                    self._listening = set()
                try:
                    connection.close()
                except Exception:
                    log.debug("closing the LISTEN connection failed", exc_info=True)

    def _serve(self, connection: Any) -> None:
        connection.execute(f"LISTEN {_quote_channel(self._control)}")
        while not self._stopping.is_set():
            with self._lock:
                missing = self._wanted - self._listening
            for channel in sorted(missing):
                connection.execute(f"LISTEN {_quote_channel(channel)}")
            if missing:
                with self._lock:
                    self._listening |= missing
                    self._lock.notify_all()
            for notification in connection.notifies(timeout=LOOP_TIMEOUT):
                if notification.channel == self._control:
                    break
                self._wakeup.notify(notification.channel)

    def close(self) -> None:
        with self._lock:
            self._stopping.set()
            thread = self._thread
            self._lock.notify_all()
        if thread is not None:
            self._poke()
            thread.join(timeout=LOOP_TIMEOUT + 5)
        self._wakeup.close()
