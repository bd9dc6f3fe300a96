"""The office every part of the running service works in (:class:`Office`)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.config import Config
from pipeline.core.workflow import Workflow
from pipeline.folders.layout import Workspace
from pipeline.service.clock import Clock, SystemClock
from pipeline.store import Store


@dataclass(frozen=True)
class Office:
    """What the intake, the engine, the finaliser and the notifier share.

    They read the same configuration and the SOP's workflow it describes, look at the
    same folders, write the same case store and tell the time by the same clock. Built
    in one place (:meth:`open`, or the service's runner), so that no part can be handed
    a workspace of another workflow or a clock the others do not share.
    """

    config: Config
    workflow: Workflow
    ws: Workspace
    store: Store
    clock: Clock

    @classmethod
    def open(cls, config: Config, *, store: Store | None = None,
             clock: Clock | None = None) -> Office:
        """The office of ``config``: its workflow, its workspace, the store in that
        workspace (unless one is given) and the system clock (unless one is given)."""
        workflow = config.workflow()
        ws = Workspace(config, workflow)
        return cls(config, workflow, ws, store or Store(ws.database), clock or SystemClock())


class InOffice:
    """A part of the service that works in an :class:`Office`, reaching its collaborators
    by their usual names (``self.store``, ``self.clock`` …)."""

    def __init__(self, office: Office) -> None:
        self.office = office
        self.config: Config = office.config
        self.workflow: Workflow = office.workflow
        self.ws: Workspace = office.ws
        self.store: Store = office.store
        self.clock: Clock = office.clock
