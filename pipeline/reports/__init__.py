"""Read-only views of the store for people: status, agenda, verification, audit, and the SOP
compliance report (``spt report``: :mod:`~pipeline.reports.compliance`)."""
