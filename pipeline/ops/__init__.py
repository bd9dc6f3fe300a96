"""Operating the service: working time, mutu baku reminders, and ``spt doctor``.

Nothing here changes a case. The office clock (:mod:`~pipeline.ops.worktime`,
holidays from :mod:`~pipeline.ops.holiday_table`) decides when a step's mutu
baku runs out; :mod:`~pipeline.ops.reminders` decides whom to remind; the
doctor checks an installation. The compliance report lives in
:mod:`pipeline.reports`, the SOP sheet in :mod:`pipeline.sop`.
"""
