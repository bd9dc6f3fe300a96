"""Reading invitation letters: the nine fields of DESIGN.md from a PDF, a scan, a DOCX or an email.

    from pipeline.extract import extract, ExtractLimits, ExtractionRefused

    result = extract(Path("undangan.pdf"), limits=ExtractLimits.from_config(config.limits))
    result.fields        # {"nomor": "400.14.5.4/481/Bangda", "tanggal": "2026-09-22", ...}
    result.explain       # {"nomor": "label 'Nomor' line 6", "waktu": "null: no time found", ...}
    result.text_source   # "text layer" | "ocr" | "docx" | "email body" | "none"
    result.notes         # sentences for the drafter, in Indonesian

A field that cannot be read with confidence is ``None``, never a guess.
"""

from pipeline.extract.fields import FIELD_KEYS
from pipeline.extract.limits import ExtractionRefused, ExtractLimits
from pipeline.extract.reader import Extraction, extract

__all__ = ["FIELD_KEYS", "ExtractLimits", "Extraction", "ExtractionRefused", "extract"]
