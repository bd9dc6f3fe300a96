"""Logging: one line per event, human-readable by default, JSON with ``--log-format json``.

Every record carries the case it is about (``case``), taken from the message
when the message names one, so ``journalctl -o cat | jq 'select(.case=="SPT-2026-0007")'``
gives a case's whole story.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from collections.abc import Iterator

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
_CASE = re.compile(r"SPT-\d{4}-\d{4,}")


class CaseFilter(logging.Filter):
    """Adds ``record.case``: the case id the message names, or ``None``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "case"):
            match = _CASE.search(record.getMessage())
            record.case = match.group(0) if match else None
        return True


def setup_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CaseFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(case)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        ))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("watchdog", "pyhanko", "pyhanko_certvalidator", "fontTools", "pdfminer",
                  "urllib3", "matplotlib", "PIL", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextlib.contextmanager
def quiet(*names: str) -> Iterator[None]:
    """Silence the loggers ``names`` for a while: the caller reports what they would warn
    about itself, once and clearly (pyHanko logs every failed path with a traceback)."""
    loggers = [logging.getLogger(n) for n in names]
    before = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for lg, level in zip(loggers, before, strict=True):
            lg.setLevel(level)
