"""Operating the service: working time, mutu baku reminders, reports, the SOP sheet, doctor.

Nothing here changes a case. These modules read the store and the
configuration to tell people how the chain is doing (``spt report``), to
remind officials who overstay their step's mutu baku, to print the SOP the
configured chain implements (``spt sop``) and to check an installation
(``spt doctor``).
"""
