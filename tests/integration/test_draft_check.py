"""The draft check on real rendered drafts, edited as a drafter's Word file could be.

Every draft here is rendered from ``templates/spt.docx`` with docxtpl; the
bad ones are then edited at the XML level (tests/support/drafts.py). The
check must name each problem so the drafter can fix it; a complete draft
passes clean.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.drafting.assignees import read_assignees
from pipeline.drafting.check import draft_problems, name_problems, timing_warnings
from pipeline.drafting.letter import LetterContext, render_draft
from pipeline.extract import ExtractLimits
from pipeline.untrusted.draft_docx import draft_docx_problems, field_codes
from tests.support import drafts as d

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "templates" / "spt.docx"
SAMPLE = ROOT / "tests" / "data" / "invitations" / "samples" / "undangan-dev-01.json"


@pytest.fixture(scope="module")
def limits(config):
    return ExtractLimits.from_config(config.limits)


def render(config, tmp: Path, name: str, fields, assignees) -> Path:
    ctx = LetterContext.build(config=config, workflow=config.workflow(), fields=fields,
                              assignees=assignees)
    out = tmp / f"{name}.docx"
    render_draft(TEMPLATE, ctx, out)
    return out


@pytest.fixture(scope="module")
def good(config, employees, tmp_path_factory) -> Path:
    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return render(config, tmp_path_factory.mktemp("good"), "good", fields, employees[:2])


def test_a_complete_draft_passes(good, limits):
    assert draft_docx_problems(good, limits) == []
    assert draft_problems(good) == []


def test_unfilled_placeholders_are_each_named(config, tmp_path):
    empty = render(config, tmp_path, "empty", {}, [])
    problems = draft_problems(empty)
    text = "\n".join(problems)
    for hint in ("[isi instansi pengirim undangan]", "[isi nomor surat undangan]",
                 "[isi nama kegiatan]", "[isi tanggal kegiatan]", "[isi tempat kegiatan]",
                 "[isi nama pegawai yang ditugaskan]"):
        assert f"Isian belum diisi: \"{hint}\"" in text, hint
    assert any("\"Untuk\" belum menyebut tanggal kegiatan" in p for p in problems)


def test_text_typed_over_a_yellow_hint_keeps_its_highlight_and_is_refused(good, tmp_path):
    def fn(root):
        p = d.paragraph_with(root, "Surat ")
        d.append_run(p, " Kementerian Koperasi", highlight={"val": "yellow"})

    edited = d.edit_document(good, tmp_path / "hl.docx", fn)
    (problem,) = draft_problems(edited)
    assert "stabilo" in problem and "Kementerian Koperasi" in problem


def test_shading_as_libreoffice_saves_a_highlight_is_refused_too(good, tmp_path):
    def fn(root):
        p = d.paragraph_with(root, "Surat ")
        d.append_run(p, "Deputi", shd={"val": "clear", "color": "auto", "fill": "FFFF00"})

    (problem,) = draft_problems(d.edit_document(good, tmp_path / "shd.docx", fn))
    assert "stabilo" in problem and "Deputi" in problem


def test_missing_dasar_and_untuk_are_refused(good, tmp_path):
    def empty_list(root, label: str) -> None:
        """Keep "<label> : 1." and nothing else of the list, as a drafter who deleted it."""
        body = root.find(d.w("body"))
        first = d.paragraph_with(root, label)
        for t in first.iter(d.w("t")):
            if t.text not in (label, ":", "1."):
                t.text = ""
        nxt = first.getnext()
        while nxt is not None and nxt.tag == d.w("p") and "".join(nxt.itertext())[:1].isdigit():
            body.remove(nxt)
            nxt = first.getnext()

    def fn(root):
        empty_list(root, "Dasar")
        empty_list(root, "Untuk")

    problems = draft_problems(d.edit_document(good, tmp_path / "nodasar.docx", fn))
    assert problems == [
        "Bagian \"Dasar\" belum berisi: tuliskan dasar penugasan (misalnya surat undangan yang "
        "menjadi dasar SPT ini).",
        "Bagian \"Untuk\" belum berisi: tuliskan tugas yang diperintahkan.",
    ]


def test_an_untuk_without_the_event_date_is_refused(good, tmp_path):
    def fn(root):
        for t in d.paragraph_with(root, "menghadiri ").iter(d.w("t")):
            t.text = (t.text or "").replace("Desember 2026", "").replace("2026", "")

    (problem,) = draft_problems(d.edit_document(good, tmp_path / "nodate.docx", fn))
    assert "belum menyebut tanggal kegiatan" in problem


def test_a_partly_filled_kepada_row_is_refused(good, tmp_path):
    def fn(root):
        row = d.kepada_table(root).findall(d.w("tr"))[1]
        d.set_cell(row.findall(d.w("tc"))[4], "")   # Jabatan left empty

    (problem,) = draft_problems(d.edit_document(good, tmp_path / "partial.docx", fn))
    assert problem.startswith("Kepada, baris 1") and "Jabatan belum diisi" in problem


@pytest.mark.parametrize("how", ["vanish", "rows"])
def test_an_invisible_first_assignee_table_is_refused(good, employees, tmp_path, how):
    """The reported attack: a hidden table naming a real employee before the visible one."""
    edited = d.hidden_first_table(good, tmp_path / f"hidden-{how}.docx", employees[4], how=how)
    # What the reader records without the check: the hidden employee.
    assert read_assignees(edited)[0].nama == employees[4]["nama"]
    problems = draft_problems(edited)
    joined = "\n".join(problems)
    assert "2 tabel pegawai" in joined
    assert "Teks yang tidak tampak di surat" in joined
    assert employees[4]["nama"][:20] in joined


@pytest.mark.parametrize(("prop", "attrs", "why"), [
    ("specVanish", {}, "tersembunyi"),
    ("webHidden", {}, "tersembunyi"),
    ("sz", {"val": "6"}, "3 pt"),
    ("color", {"val": "FFFFFF"}, "putih"),
    ("color", {"val": "000000", "themeColor": "background1"}, "putih"),
])
def test_text_nobody_can_read_is_refused(good, tmp_path, prop, attrs, why):
    def fn(root):
        d.append_run(d.paragraph_with(root, "MEMERINTAHKAN"), "Pegawai Gelap", **{prop: attrs})

    (problem,) = draft_problems(d.edit_document(good, tmp_path / f"{prop}.docx", fn))
    assert why in problem and "Pegawai Gelap" in problem


def test_hidden_through_a_character_style_is_refused(good, tmp_path):
    def styles(data: bytes) -> bytes:
        return data.replace(b"</w:styles>", (
            b'<w:style w:type="character" w:styleId="Rahasia"><w:name w:val="Rahasia"/>'
            b'<w:rPr><w:vanish/></w:rPr></w:style></w:styles>'))

    def doc(data: bytes) -> bytes:
        from lxml import etree

        root = etree.fromstring(data)
        d.append_run(d.paragraph_with(root, "MEMERINTAHKAN"), "Titipan",
                     rStyle={"val": "Rahasia"})
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    edited = d.rewrite(good, tmp_path / "style.docx",
                       {"word/styles.xml": styles, "word/document.xml": doc})
    (problem,) = draft_problems(edited)
    assert "tersembunyi" in problem and "Titipan" in problem


def test_rows_in_a_content_control_are_refused(good, tmp_path):
    from lxml import etree

    def fn(root):
        table = d.kepada_table(root)
        row = table.findall(d.w("tr"))[1]
        sdt = etree.Element(d.w("sdt"))
        content = etree.SubElement(sdt, d.w("sdtContent"))
        row.addprevious(sdt)
        content.append(row)

    edited = d.edit_document(good, tmp_path / "sdt.docx", fn)
    problems = draft_problems(edited)
    assert any("kontrol isian" in p for p in problems)


def test_tracked_changes_are_refused(good, tmp_path):
    from lxml import etree

    def fn(root):
        p = d.paragraph_with(root, "MEMERINTAHKAN")
        ins = etree.SubElement(p, d.w("ins"))
        ins.set(d.w("id"), "1")
        ins.set(d.w("author"), "x")
        r = etree.SubElement(ins, d.w("r"))
        etree.SubElement(r, d.w("t")).text = "tambahan"

    (problem,) = draft_problems(d.edit_document(good, tmp_path / "ins.docx", fn))
    assert "Track Changes" in problem


def test_a_name_that_is_not_its_nips_owner_is_refused(good, employees, tmp_path):
    def fn(root):
        row = d.kepada_table(root).findall(d.w("tr"))[1]
        d.set_cell(row.findall(d.w("tc"))[1], "Orang Luar, S.H.")

    edited = d.edit_document(good, tmp_path / "name.docx", fn)
    rows = read_assignees(edited)
    (problem,) = name_problems(rows, {e["nip"]: e["nama"] for e in employees})
    assert "Orang Luar, S.H." in problem and employees[0]["nama"] in problem

    def untitled(root):  # the same person typed without titles: not a mismatch
        row = d.kepada_table(root).findall(d.w("tr"))[1]
        d.set_cell(row.findall(d.w("tc"))[1], "Yohanes Kristian")

    rows = read_assignees(d.edit_document(good, tmp_path / "untitled.docx", untitled))
    assert name_problems(rows, {e["nip"]: e["nama"] for e in employees}) == []


def test_a_hyperlink_is_refused_with_how_to_remove_it(good, limits, tmp_path):
    from lxml import etree

    def rels(data: bytes) -> bytes:
        root = etree.fromstring(data)
        el = etree.SubElement(root, f"{{{d.REL}}}Relationship")
        el.set("Id", "rIdLink1")
        el.set("Type", f"{d.R}/hyperlink")
        el.set("Target", "https://contoh-phishing.example/login")
        el.set("TargetMode", "External")
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    linked = d.rewrite(good, tmp_path / "link.docx", {"word/_rels/document.xml.rels": rels})
    (problem,) = draft_docx_problems(linked, limits)
    assert "hyperlink" in problem and "Remove Hyperlink" in problem
    assert "contoh-phishing.example" in problem


# --- the package: what the drafter's Word file may not carry ------------------------------


def test_an_external_image_is_refused(good, limits, tmp_path):
    for target in ("file:///etc/hostname", "http://127.0.0.1:9/x.png"):
        edited = d.external_image(good, tmp_path / "ext.docx", target)
        (problem,) = draft_docx_problems(edited, limits)
        assert "tautan ke luar berkas" in problem and target[:15] in problem


@pytest.mark.parametrize("code", [
    'INCLUDETEXT "file:///etc/passwd"', 'INCLUDEPICTURE "http://127.0.0.1:9/a.png" \\d',
    'LINK Excel.Sheet.12 "C:\\\\data.xlsx" "Sheet1"', 'DDEAUTO cmd "/c calc"',
])
@pytest.mark.parametrize("simple", [False, True])
def test_fields_that_fetch_are_refused(good, limits, tmp_path, code, simple):
    edited = d.field(good, tmp_path / "field.docx", code, simple=simple)
    (problem,) = draft_docx_problems(edited, limits)
    assert f"kolom (field) {code.split()[0]}" in problem


def test_a_harmless_field_passes(good, limits, tmp_path):
    edited = d.field(good, tmp_path / "page.docx", "PAGE \\* MERGEFORMAT")
    assert draft_docx_problems(edited, limits) == []


def test_field_codes_split_over_runs_are_joined():
    from lxml import etree

    xml = (f'<w:body xmlns:w="{d.W}"><w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
           '<w:r><w:instrText>INCLUDE</w:instrText></w:r><w:r><w:instrText>TEXT "x"'
           '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p></w:body>')
    assert field_codes(etree.fromstring(xml)) == ['INCLUDETEXT "x"']


def test_embedded_objects_altchunk_and_macros_are_refused(good, limits, tmp_path):
    from lxml import etree

    def alt(root):
        chunk = etree.Element(d.w("altChunk"))
        chunk.set(f"{{{d.R}}}id", "rIdX")
        d.paragraph_with(root, "MEMERINTAHKAN").addnext(chunk)

    (problem,) = draft_docx_problems(d.edit_document(good, tmp_path / "alt.docx", alt), limits)
    assert "altChunk" in problem

    def obj(root):
        r = d.append_run(d.paragraph_with(root, "MEMERINTAHKAN"), "")
        etree.SubElement(r, d.w("object"))

    (problem,) = draft_docx_problems(d.edit_document(good, tmp_path / "obj.docx", obj), limits)
    assert "objek tersemat" in problem

    embedded = d.rewrite(good, tmp_path / "emb.docx", {},
                         add={"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0"})
    assert any("objek tersemat" in p for p in draft_docx_problems(embedded, limits))

    macro = d.rewrite(good, tmp_path / "macro.docx", {
        "[Content_Types].xml": lambda b: b.replace(
            b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"),
    }, add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0"})
    (problem,) = draft_docx_problems(macro, limits)
    assert "makro" in problem


# --- warnings --------------------------------------------------------------------------------


def test_timing_warnings():
    import datetime as dt

    today, issue = dt.date(2026, 12, 7), dt.date(2026, 12, 9)
    (over,) = timing_warnings("2026-12-03", "2026-12-05", today=today, earliest_issue=issue)
    assert "sudah berakhir (5 Desember 2026)" in over
    (soon,) = timing_warnings("2026-12-08", None, today=today, earliest_issue=issue)
    assert "dimulai 8 Desember 2026" in soon and "9 Desember 2026" in soon
    assert timing_warnings("2026-12-10", "2026-12-11", today=today, earliest_issue=issue) == []
    assert timing_warnings(None, None, today=today, earliest_issue=issue) == []


# --- what the letter shows is what is recorded ------------------------------------------------


def test_the_fields_are_read_back_as_the_letter_shows_them(good, tmp_path):
    from pipeline.drafting.readback import parse_range, shown_fields

    fields = json.loads(SAMPLE.read_text(encoding="utf-8"))
    shown = shown_fields(good)
    for key in ("nomor", "tanggal", "hal", "acara", "tanggal_mulai", "tanggal_selesai"):
        assert shown[key] == fields[key], key

    def fn(root):
        for t in d.paragraph_with(root, "menghadiri ").iter(d.w("t")):
            t.text = (t.text or "").replace(fields["acara"], "Rapat Koordinasi KUR")

    edited = d.edit_document(good, tmp_path / "acara.docx", fn)
    assert shown_fields(edited)["acara"] == "Rapat Koordinasi KUR"
    import datetime as dt

    assert parse_range("30 November s.d. 2 Desember 2026") == (dt.date(2026, 11, 30),
                                                                dt.date(2026, 12, 2))
    assert parse_range("31 Desember 2026 s.d. 2 Januari 2027") == (dt.date(2026, 12, 31),
                                                                   dt.date(2027, 1, 2))
    assert parse_range("5 Desember 2026") == (dt.date(2026, 12, 5),) * 2
    assert parse_range("5 s.d. 3 Desember 2026") is None


def test_an_assignee_table_or_hidden_text_in_a_header_is_refused(good, employees, tmp_path):
    from lxml import etree

    def header(data: bytes) -> bytes:
        root = etree.fromstring(data)
        tbl = etree.SubElement(root, d.w("tbl"))
        for cells in (("Nama", "NIP"), (employees[4]["nama"], employees[4]["nip"])):
            tr = etree.SubElement(tbl, d.w("tr"))
            for text in cells:
                tc = etree.SubElement(tr, d.w("tc"))
                p = etree.SubElement(tc, d.w("p"))
                d.append_run(p, text)
        d.append_run(etree.SubElement(root, d.w("p")), "bayangan", vanish={})
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    import zipfile

    with zipfile.ZipFile(good) as zf:
        name = next(n for n in zf.namelist() if re.fullmatch(r"word/header\d*\.xml", n))
    problems = draft_problems(d.rewrite(good, tmp_path / "header.docx", {name: header}))
    joined = "\n".join(problems)
    assert "memuat tabel pegawai (Nama, NIP)" in joined
    assert "bayangan" in joined and "kepala/kaki halaman" in joined


def test_a_shape_over_the_text_is_refused(good, tmp_path):
    """A white box drawn over a Kepada row hides it on paper while the record keeps it."""
    from lxml import etree

    wp = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"

    def fn(root):
        r = d.append_run(d.paragraph_with(root, "MEMERINTAHKAN"), "")
        drawing = etree.SubElement(r, d.w("drawing"))
        anchor = etree.SubElement(drawing, f"{{{wp}}}anchor")
        anchor.set("behindDoc", "0")

    (problem,) = draft_problems(d.edit_document(good, tmp_path / "shape.docx", fn))
    assert "gambar melayang, kotak teks, atau bentuk" in problem


def test_rows_the_page_shows_are_compared_with_the_rows_recorded(good, employees, tmp_path):
    """What the converted letter shows (pdfplumber) against what the DOCX holds."""
    from pipeline.convert import SofficeConverter
    from pipeline.drafting.check import pdf_rows_problems
    from pipeline.pdf.kepada import kepada_rows

    pdf = tmp_path / "good.pdf"
    SofficeConverter(tmp_path / "lo").convert(good, pdf)
    shown = kepada_rows(pdf.read_bytes())
    rows = read_assignees(good)
    assert [r[0] for r in shown] == [e["nama"] for e in employees[:2]]
    assert pdf_rows_problems(rows, shown) == []
    # A page that shows someone else than the record (whatever hid it from the XML checks).
    (problem,) = pdf_rows_problems(rows, [["Orang Luar", "1", "", ""], *shown[1:]])
    assert "tidak sama" in problem and "tampil: Orang Luar" in problem
    (problem,) = pdf_rows_problems(rows, shown[:1])
    assert "tampil 1 baris, tercatat 2 baris" in problem
