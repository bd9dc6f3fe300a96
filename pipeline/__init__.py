"""spt: issues Surat Perintah Tugas along the agency's SOP.

The package is a pure core (:mod:`pipeline.core`: the SOP as data and the case
state machine) wrapped by thin adapters: folders, mail, LibreOffice, signing
and the SQLite store.
"""

__version__ = "0.1.0"
