"""LibreOffice, as our converters run it, fetches nothing a document links to.

The draft check refuses such drafts first (test_draft_check.py); this is the
second line: should a linked image or a fetching field slip through, the
conversion must not read a local file into the letter nor send a request.
A real HTTP server on 127.0.0.1 counts the requests; real LibreOffice converts.
"""

from __future__ import annotations

import http.server
import json
import threading
from pathlib import Path
from typing import ClassVar

import pdfplumber
import pytest

from pipeline.config import load_config
from pipeline.convert import SofficeConverter, UnoserverConverter
from pipeline.convert.hardening import harden_profile
from pipeline.drafting.letter import LetterContext, render_draft
from tests.support import drafts as d

ROOT = Path(__file__).resolve().parents[2]
WORKSPACE = ROOT / "pipeline" / "resources" / "workspace"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d7"
    "63f8cfc000000301010018dd8db00000000049454e44ae426082")


class _Counting(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        type(self).hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(PNG_1PX)

    def log_message(self, *args):
        pass


class _NoFallback:
    """Fails loudly, so the warm server (not the cold fallback) is what converts."""

    def start(self):
        pass

    def stop(self):
        pass

    def convert(self, src, dst):
        raise AssertionError("the warm unoserver was expected to convert")


@pytest.fixture
def server():
    _Counting.hits = []
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counting)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def draft(tmp_path) -> Path:
    config = load_config(WORKSPACE / "spt.toml")
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=[])
    out = tmp_path / "draft.docx"
    render_draft(ROOT / "templates" / "spt.docx", ctx, out)
    return out


@pytest.mark.parametrize("kind", ["soffice", "unoserver"])
def test_linked_image_and_fetching_fields_are_not_fetched(draft, server, tmp_path, kind):
    url = f"http://127.0.0.1:{server.server_port}"
    linked = d.external_image(draft, tmp_path / "a.docx", f"{url}/linked.png")
    both = d.field(linked, tmp_path / "b.docx", f'INCLUDEPICTURE "{url}/field.png" \\d')
    if kind == "soffice":
        converter = SofficeConverter(tmp_path / "lo")
    else:
        converter = UnoserverConverter(tmp_path / "state", fallback=_NoFallback())
    pdf = tmp_path / "out.pdf"
    converter.start()
    try:
        converter.convert(both, pdf)
    finally:
        converter.stop()
    assert pdf.read_bytes().startswith(b"%PDF")
    assert _Counting.hits == []


def test_a_local_file_is_not_pulled_into_the_letter(draft, tmp_path):
    secret = tmp_path / "rahasia.txt"
    secret.write_text("KUNCI-RAHASIA-SERVER-42\n", encoding="utf-8")
    edited = d.field(draft, tmp_path / "c.docx", f'INCLUDETEXT "{secret}"')
    converter = SofficeConverter(tmp_path / "lo")
    pdf = tmp_path / "out.pdf"
    converter.convert(edited, pdf)
    with pdfplumber.open(pdf) as doc:
        text = "\n".join(p.extract_text() or "" for p in doc.pages)
    assert "KUNCI-RAHASIA-SERVER-42" not in text


def test_hardening_amends_a_profile_libreoffice_already_wrote(tmp_path):
    xcu = tmp_path / "user" / "registrymodifications.xcu"
    xcu.parent.mkdir(parents=True)
    xcu.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor='
        '"http://openoffice.org/2001/registry">\n<item oor:path="/org.openoffice.Office.Writer/'
        'Content/Update"><prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>\n'
        '<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="X" oor:op="fuse">'
        '<value>1</value></prop></item>\n</oor:items>\n', encoding="utf-8")
    harden_profile(tmp_path)
    text = xcu.read_text(encoding="utf-8")
    assert "<value>0</value>" not in text
    assert 'oor:name="Link" oor:op="fuse"><value>2</value>' in text
    assert 'oor:name="X"' in text and text.count("</oor:items>") == 1
