"""The SOP "Penerbitan Surat Perintah Tugas" as a sheet: derived from the configured chain.

- :mod:`~pipeline.sop.flow`: the sheet's rows and columns, derived (pure).
- :mod:`~pipeline.sop.sheet`: drawing it (terminal, PDF, PNG).
- :mod:`~pipeline.sop.cli`: ``spt sop``.
"""
