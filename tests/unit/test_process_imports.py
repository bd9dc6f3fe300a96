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

from tests.hostile.corpus import text_pdf


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


def test_the_service_checks_files_from_outside_in_the_worker(tmp_path):
    """Dropped files are parsed (pypdf) in the drafting worker: a usable invitation opens a
    case, a PDF with JavaScript is refused with its reason, and the service never loads pypdf."""
    javascript = text_pdf(catalog_extra=b"/OpenAction << /S /JavaScript /JS (app.alert(1);) >> ")
    code = f"""
        from pathlib import Path
        from pipeline.config import load_config
        from pipeline.folders.layout import Workspace
        from pipeline.resources import DEMO
        from pipeline.service.drafting import DraftWorker
        from pipeline.service.intake import Intake
        from pipeline.service.office import Office
        from pipeline.workspace_init import init_workspace

        config = load_config(init_workspace(Path({str(tmp_path)!r}) / "ws", demo=True))
        ws = Workspace(config)
        ws.ensure()
        worker = DraftWorker(in_thread=False)
        intake = Intake(Office.open(config), notifier=None, parse=worker.call)
        good = ws.inbox / "undangan.pdf"
        good.write_bytes((DEMO / "undangan-workshop-ojk.pdf").read_bytes())
        bad = ws.inbox / "javascript.pdf"
        bad.write_bytes({javascript!r})
        opened = intake.accept_file(good).opened
        refused = intake.accept_file(bad).refused
        worker.close()
        print(len(opened), "|", refused[0][1])
    """
    probe = textwrap.dedent(code) + "\nimport sys\nprint('pypdf' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    result, loaded = out.stdout.strip().splitlines()[-2:]
    opened, reason = result.split(" | ")
    assert opened == "1"
    assert "konten aktif (JavaScript)" in reason
    assert loaded == "False"

