"""Who holds each stage now: the store's delegations read through the pure decision.

The engine, the notifier, the reminders and the drafting ask here, with the service's
clock, and get a :class:`~pipeline.core.workflow.Stage` (or a whole workflow) whose
``person`` is whoever acts at that instant: the official, or their Plh./Plt.
(:mod:`pipeline.core.delegation`). A delegation thus starts and ends by itself: nothing
is scheduled, the next question after its end simply gets the official again.
"""

from __future__ import annotations

import datetime as dt

from pipeline.core.delegation import Delegation, held_stage, held_workflow
from pipeline.core.workflow import Stage, Workflow
from pipeline.store import Store


class Holders:
    def __init__(self, store: Store, workflow: Workflow):
        self.store = store
        self.workflow = workflow

    def delegations(self, at: dt.datetime) -> list[Delegation]:
        return self.store.delegations.current(at)

    def stage(self, stage: Stage, case_id: str | None, at: dt.datetime) -> Stage:
        """``stage`` as held at ``at`` for ``case_id``."""
        return held_stage(stage, at, case_id, self.delegations(at))

    def chain(self, case_id: str | None, at: dt.datetime) -> Workflow:
        """The whole chain as held at ``at`` for ``case_id``."""
        return held_workflow(self.workflow, at, case_id, self.delegations(at))

    def ended_during(self, stage: Stage, case_id: str, since: dt.datetime,
                     at: dt.datetime) -> Delegation | None:
        """The last delegation of ``stage`` (for this case) that ended in ``(since, at]``: the
        official holds the stage again since then and must be told."""
        over = [d for d in self.store.delegations.touching(since, at)
                if d.stage_key == stage.key and d.case_id in (None, case_id)
                and since < d.until <= at]
        return max(over, key=lambda d: (d.until, d.id or 0), default=None)


__all__ = ["Holders"]
