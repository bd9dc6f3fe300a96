"""Each process loads only the libraries its work needs (memory: issue 7).

The service process signs (pyHanko) but neither reads invitations nor
renders or measures letters (pdfplumber, python-docx, docxtpl); the drafting
worker does those and neither signs nor reads the configuration (pydantic). Each check runs in a fresh interpreter,
as the real processes start.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


def loaded_after(code: str, modules: tuple[str, ...]) -> list[str]:
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import sys
        print(",".join(m for m in {modules!r} if m in sys.modules))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, timeout=120).stdout.strip()
    return [m for m in out.split(",") if m]


DRAFTING_ONLY = ("pdfplumber", "pdfminer", "docx", "docxtpl")
SIGNING = ("pyhanko", "pyhanko_certvalidator", "aiohttp", "fontTools")
CONFIGURATION = ("pydantic", "pipeline.config")


def test_the_service_process_does_not_load_the_drafting_libraries():
    code = """
        import pipeline.cli, pipeline.service.runner, pipeline.service.engine
        import pipeline.service.finalize, pipeline.service.drafting, pipeline.pdf.fill
        import pipeline.pdf.prepare, pipeline.drafting.assignees, pipeline.signing.marks
    """
    assert loaded_after(code, DRAFTING_ONLY) == []


def test_the_drafting_worker_loads_neither_signing_nor_the_configuration():
    code = """
        from pipeline.service import draft_steps
        draft_steps.worker_start(None, "INFO")
    """
    loaded = loaded_after(code, SIGNING + CONFIGURATION + DRAFTING_ONLY)
    assert [m for m in loaded if m in SIGNING + CONFIGURATION] == []
    assert {"pdfplumber", "docxtpl"} <= set(loaded)  # what it is there for


@pytest.mark.parametrize("module", ["pipeline.pdf.fields", "pipeline.drafting.assignees",
                                    "pipeline.drafting.letter"])
def test_shared_modules_stay_light(module):
    assert loaded_after(f"import {module}", SIGNING + DRAFTING_ONLY) == []
