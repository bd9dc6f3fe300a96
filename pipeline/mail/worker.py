"""What the two mail threads share (:class:`~pipeline.mail.imap.ImapWatcher`,
:class:`~pipeline.mail.smtp.SmtpDelivery`): one daemon thread, started once and stopped
promptly, and the capped exponential backoff with jitter they wait by after trouble."""

from __future__ import annotations

import random
import threading
from typing import ClassVar


class MailWorker:
    """A thread running :meth:`_run` until :meth:`stop`; :meth:`wake` cuts its wait short."""

    thread_name: ClassVar[str]

    def __init__(self, *, backoff_base: float, backoff_max: float):
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("already started")
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop promptly: the work in hand is finished, nothing new is taken."""
        self._stop.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)

    def wake(self) -> None:
        raise NotImplementedError

    def _run(self) -> None:
        raise NotImplementedError

    def backoff(self, failures: int) -> float:
        """Seconds to wait after ``failures`` in a row: doubling from ``backoff_base`` up to
        ``backoff_max``, with jitter (50-100 %) so that retries do not come in step."""
        delay = min(self.backoff_max, self.backoff_base * 2 ** min(max(failures - 1, 0), 30))
        return delay * random.uniform(0.5, 1.0)
