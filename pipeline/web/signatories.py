"""Who signed an issued letter, read from its archived PDF and kept per file hash.

The page lists the signatories as the signatures in the archived file say,
checked by the same code as ``spt verify``
(:func:`pipeline.reports.verification.verify_issued`), not as the
configuration says today: the Gubernur of last year's letter is last year's.
Verifying a PDF takes about half a second, so the result is kept per SHA-256
of the file (an issued file never changes; if its bytes did, its hash would
not be the agenda's and nothing is shown).
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from pipeline.config import Config
from pipeline.reports.verification import verify_issued
from pipeline.store import Store
from pipeline.store.agenda import AgendaEntry
from pipeline.web.letters import SignatoryView, signatory_views

log = logging.getLogger("spt.web")


@dataclass(frozen=True)
class ArchivedCheck:
    """What the check of an archived letter found."""

    signatories: tuple[SignatoryView, ...]
    complete: bool                  # every signature of the chain and the seal hold
    problems: tuple[str, ...]
    demo: bool = False              # signed with DEMO certificates (``spt init --demo``)


class SignatoryCache:
    """Signatories of archived letters by file hash (least recently used dropped first)."""

    def __init__(self, config: Config, *, size: int = 512):
        self.config = config
        self.size = size
        self._items: OrderedDict[str, ArchivedCheck] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, store: Store, entry: AgendaEntry) -> tuple[SignatoryView, ...] | None:
        """The signatories of ``entry``'s archived file, or ``None`` if it cannot be read."""
        found = self.check(store, entry)
        return None if found is None else found.signatories

    def check(self, store: Store, entry: AgendaEntry) -> ArchivedCheck | None:
        """The check of ``entry``'s archived file, or ``None`` if it cannot be read."""
        with self._lock:
            found = self._items.get(entry.file_sha256)
            if found is not None:
                self._items.move_to_end(entry.file_sha256)
                return found
        data = self._archived(entry)
        if data is None:
            return None
        result = verify_issued(self.config, data, store=store)
        if result.refused is not None:
            return ArchivedCheck((), False, result.signatures_report.problems)
        report = result.signatures_report
        found = ArchivedCheck(signatory_views(self.config, report.signatures,
                                              altered=bool(report.document_problems)),
                              report.complete, report.problems, demo=result.demo)
        with self._lock:
            self._items[entry.file_sha256] = found
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return found

    def is_demo(self, store: Store, entry: AgendaEntry) -> bool:
        """``entry``'s letter was signed with DEMO certificates (``spt init --demo``)."""
        found = self.check(store, entry)
        return found is not None and found.demo

    def _archived(self, entry: AgendaEntry) -> bytes | None:
        root = self.config.root.resolve()
        path = (root / entry.archive_path).resolve()
        if not path.is_relative_to(root):
            log.error("agenda %s: archive path outside the workspace", entry.number)
            return None
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            log.error("agenda %s: archive unreadable (%s)", entry.number,
                      exc.__class__.__name__)
            return None
        if hashlib.sha256(data).hexdigest() != entry.file_sha256:
            log.error("agenda %s: the archived file changed since it was issued", entry.number)
            return None
        return data
