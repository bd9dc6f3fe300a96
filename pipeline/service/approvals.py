"""Checking approvers' signed files outside the engine, the result coming back as an event.

An approver's file is a PDF from outside: its check (every signature validated,
every revision's objects compared, :mod:`pipeline.signing.approver`) costs what the
file makes it cost. Run in the engine, a file with 250 revisions stalled every case
for 20 s per drop. So the engine hands the check to a bounded child process
(:func:`pipeline.signing.bounded.run_bounded`, limits from ``[signature_check]``)
through a small thread pool, and goes on with other cases. When the check ends,
the pool wakes the engine, which takes the file again (:meth:`Engine.collect_checks`)
and decides on it in its own thread with the result: the single-threaded decision
model stays as it is, the result is simply one more thing that arrives.

A file that passes is then asked about at the CA: its signer's certificate revoked is a
refusal (:func:`pipeline.signing.revocation.check_approver_mark`), asked in the same
worker thread, never in the engine or the bounded child (network time, not the file's).

A check is keyed by the case, the stage and the file's SHA-256: a file replaced
while its check runs is a new file and gets a check of its own; the old result is
dropped unused.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.config import Config
from pipeline.core.workflow import Stage

log = logging.getLogger("spt.engine")


@dataclass(frozen=True)
class CheckKey:
    case_id: str
    stage_index: int
    sha256: str


class ApproverChecks:
    """Approver checks in flight and finished, for one engine."""

    def __init__(self, config: Config, *, wake: Callable[[], None]):
        self.config = config
        self.limits = config.signature_check.limits()
        self._pool = cf.ThreadPoolExecutor(max_workers=config.signature_check.concurrent,
                                           thread_name_prefix="approver-check")
        self._running: dict[CheckKey, tuple[cf.Future[list[str]], Any]] = {}
        self._reported: set[CheckKey] = set()  # finished checks already handed back
        self._wake = wake

    def pending(self, sha256: str) -> bool:
        """A check of this very file is running."""
        return any(key.sha256 == sha256 and not fut.done()
                   for key, (fut, _c) in self._running.items())

    def idle(self) -> bool:
        """No check running and none finished but not yet handed back (a kept result
        waiting for its file to rest is not work in progress)."""
        return all(fut.done() and key in self._reported
                   for key, (fut, _c) in self._running.items())

    def done(self, key: CheckKey) -> bool:
        entry = self._running.get(key)
        return entry is not None and entry[0].done()

    def take(self, key: CheckKey) -> list[str] | None:
        """The finished check's problems, or ``None`` if it is not finished.

        The result stays until the file is gone (:meth:`prune`): a refusal waits for the
        file to rest ``watch.judge_after_seconds`` (a copy over SMB may still be arriving,
        issue 17), and the decision then reuses this result instead of checking again.
        """
        entry = self._running.get(key)
        if entry is None or not entry[0].done():
            return None
        return entry[0].result()

    def start(self, key: CheckKey, candidate: Any, published: Path, submitted: bytes,
              stage: Stage) -> None:
        """Check ``submitted`` (the hashed bytes) against ``published`` in a child."""
        if key in self._running:
            return
        path = getattr(candidate, "path", None)
        for old in [k for k, (f, c) in self._running.items()
                    if f.done() and getattr(c, "path", None) == path]:
            self.drop(old)  # an earlier file at this path: its result is stale
        from pipeline.signing.approver import ApproverSpec

        spec = ApproverSpec.for_stage(self.config, stage)
        fut = self._pool.submit(_check, str(published), submitted, spec, self.limits,
                                self.config)
        fut.add_done_callback(lambda _f: self._wake())
        self._running[key] = (fut, candidate)
        log.info("%s: checking the signed file of %s outside the engine", key.case_id,
                 stage.key)

    def finished(self) -> list[tuple[CheckKey, Any]]:
        """Checks that ended since last asked, with the candidate each was about."""
        new = [(key, cand) for key, (fut, cand) in self._running.items()
               if fut.done() and key not in self._reported]
        self._reported.update(key for key, _c in new)
        return new

    def prune(self) -> None:
        """Forget finished checks whose file is no longer where it was (decided, moved)."""
        for key, (fut, cand) in list(self._running.items()):
            if fut.done() and key in self._reported and not cand.path.exists():
                self.drop(key)

    def drop(self, key: CheckKey) -> None:
        """Forget a finished check whose file is gone or changed (its result is stale)."""
        self._running.pop(key, None)
        self._reported.discard(key)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _check(published: str, submitted: bytes, spec, limits, config: Config) -> list[str]:
    """The check in a bounded child; a limit hit or a failed child is itself the problem.
    A file that passes is then refused if its signer's certificate is revoked (asked of
    the CA here, in this worker thread: network time, not the file's cost)."""
    from pipeline.signing.bounded import CheckRefused, run_bounded

    try:
        problems = list(run_bounded("pipeline.signing.approver:check_in_child",
                                    (published, submitted, spec), limits))
    except CheckRefused as exc:
        return [str(exc)]
    if problems:
        return problems
    return _revocation_problems(config, spec.stage, submitted)


def _revocation_problems(config: Config, stage: Stage, submitted: bytes) -> list[str]:
    from pipeline.signing.revocation import approver_problem, check_approver_mark

    try:
        status = check_approver_mark(config, stage.key, stage.person.name, submitted,
                                     stage.field_name)
    except Exception as exc:  # a CA answer we cannot read is an unknown status
        from pipeline.signing.revocation import RevocationStatus

        log.warning("%s: revocation check of the approver's certificate failed: %s",
                    stage.key, exc)
        status = RevocationStatus(stage.key, stage.person.name, False,
                                  unknown=type(exc).__name__)
    if status is None:
        return []
    problem = approver_problem(status, unknown_refused=not config.trust.long_term)
    if status.revoked or status.unknown:
        log.warning("%s: %s", stage.key, status.message)
    return [problem] if problem else []
