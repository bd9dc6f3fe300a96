"""The verification page behind an SPT's QR code (``spt web``), and revocation (``spt revoke``).

Anyone holding an SPT (the employee, a hotel, the finance office, an auditor)
scans its QR code or uploads its PDF and learns whether it is genuine and
whether it is the very file issued. The application factory is
:func:`pipeline.web.app.create_app`; it is imported lazily here so that the
``spt`` command line does not load Flask for every command.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from pipeline.web.app import create_app

        return create_app
    raise AttributeError(name)
