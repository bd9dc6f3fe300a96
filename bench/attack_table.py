"""The attack table of issue 19: each shadow attack, where it is injected, and the verdicts.

    .venv/bin/python bench/attack_table.py WORKSPACE [--markdown]

``WORKSPACE`` is a workspace with one issued letter (``spt demo DIR`` makes one). The
script uses only what the code had before the issue too (``check_approver_revision``,
``verify_issued``, ``check_upload``), so the same script gives the "before" column when
run against the old code (``PYTHONPATH=<old checkout>``, with ``tests/support/shadow.py``
copied into it) and the "after" column against the current code.

For every attack it says what the service does with the approver's file (``diterima``:
accepted, ``ditolak``: refused), what ``spt verify`` says of the signatures of the letter
the attack ends in (``sah``: all hold, so ``HASIL: SAH`` once that letter is the one
issued; ``TIDAK sah``), and what the public page answers when the file is uploaded (its
verdict code; the very file issued would be recognised by its hash instead). An
attack at an approver stage is carried to an issued letter the way the service did
before (every later mark, the number, the seal), to show what verification makes of a
letter that got through.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from pathlib import Path

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.stamp import TextStampStyle

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from pipeline.config import load_config  # noqa: E402
from pipeline.folders.layout import Workspace  # noqa: E402
from pipeline.pdf.fill import fill_number  # noqa: E402
from pipeline.reports.verification import verify_issued  # noqa: E402
from pipeline.signing.approver import check_approver_revision  # noqa: E402
from pipeline.signing.keys import KeyRing  # noqa: E402
from pipeline.signing.marks import MarkAppearance, apply_mark  # noqa: E402
from pipeline.signing.seal import SEAL_DOC_MDP, SEAL_FIELD  # noqa: E402
from pipeline.signing.signature import sign_field  # noqa: E402
from pipeline.store import Store  # noqa: E402
from pipeline.web.verdict import check_upload  # noqa: E402
from tests.support.pdf import ThrowawayPki, sign  # noqa: E402
from tests.support.shadow import Carrier, Effect, attacked, many_revisions, signed  # noqa: E402
from tests.support.signing import fill_text_fields  # noqa: E402

APPROVERS = ("kasubag", "inspektur")


class Office:
    def __init__(self, root: Path):
        self.config = load_config(root / "spt.toml")
        self.workflow = self.config.workflow()
        self.store = Store(Workspace(self.config).database, create=False)
        (self.entry,) = self.store.agenda.entries()
        self.issued = (root / self.entry.archive_path).read_bytes()
        self.ring = KeyRing.load(self.config)
        self.prepared = _unsigned(root)
        self.published = {"kasubag": self.prepared,
                          "inspektur": self.walk(self.prepared, "kasubag", "inspektur")}

    def walk(self, pdf: bytes, start: str, stop: str | None = None) -> bytes:
        keys = [s.key for s in self.workflow.reviewers]
        for key in keys[keys.index(start):keys.index(stop) if stop else None]:
            stage = self.workflow.stage(key)
            pdf = apply_mark(pdf, field_name=stage.field_name, signer=self.ring.signer(key),
                             appearance=MarkAppearance.for_stage(stage, self.config),
                             when=dt.datetime.now(dt.UTC))
        return pdf

    def issue(self, pdf: bytes) -> bytes:
        """Number and seal as the finalisation did before (any field value satisfied it)."""
        filled = fill_number(pdf, nomor=self.entry.number, tanggal="7 Desember 2026",
                             qr_payload="https://spt.example/v/x")
        return sign_field(filled, field_name=SEAL_FIELD, signer=self.ring.seal_signer(),
                          stamp_style=TextStampStyle(stamp_text="CAP"), text_params=None,
                          reason="Cap dinas", location=None, when=dt.datetime.now(dt.UTC),
                          docmdp=SEAL_DOC_MDP)

    def service(self, stage: str, data: bytes) -> str:
        problems = check_approver_revision(published=self.published[stage], submitted=data,
                                           stage=self.workflow.stage(stage),
                                           config=self.config)
        return "ditolak" if problems else "DITERIMA"

    def verify(self, data: bytes) -> str:
        """What ``spt verify`` says of the signatures: with this very file issued (as the
        attack at an approver stage would have been), "sah" is its "HASIL: SAH"."""
        result = verify_issued(self.config, data, store=self.store)
        if getattr(result, "refused", None) is not None:
            return "tidak diperiksa (batas)"
        return "sah" if result.signatures_report.complete else "TIDAK sah"

    def page(self, data: bytes) -> str:
        return check_upload(self.config, data, self.store).verdict.value


def _unsigned(root: Path) -> bytes:
    for path in sorted((root / "state" / "cases").glob("*/files/*.pdf")):
        data = path.read_bytes()
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if "/AcroForm" in reader.root and not list(
                fields.enumerate_sig_fields(reader, filled_status=True)):
            return data
    raise SystemExit("no unsigned prepared letter in the workspace")


def rows(office: Office, tmp: Path):
    for stage in APPROVERS:
        field = office.workflow.stage(stage).field_name
        following = office.workflow.reviewers[office.workflow.stage(stage).index].key
        for carrier in Carrier:
            for effect in Effect:
                data = attacked(office.published[stage], effect, carrier,
                                sign_as=office.ring.signer(stage).signer, field=field)
                letter = office.issue(office.walk(data, following))
                yield (f"{effect.value} via {carrier.value}", f"tahap {stage} (approver)",
                       office.service(stage, data), office.verify(letter), office.page(letter))
    for carrier in Carrier:
        for effect in Effect:
            data = attacked(office.issued, effect, carrier, field=SEAL_FIELD)
            yield (f"{effect.value} via {carrier.value}", "setelah terbit", "-",
                   office.verify(data), office.page(data))
    base = signed(office.published["inspektur"], office.ring.signer("inspektur").signer,
                  office.workflow.stage("inspektur").field_name)
    big = many_revisions(base, 400)
    started = time.monotonic()
    service = office.service("inspektur", big)
    service_s = time.monotonic() - started
    big_letter = many_revisions(office.issued, 400)
    started = time.monotonic()
    verdict = office.verify(big_letter)
    verify_s = time.monotonic() - started
    yield ("400 revisi (kolom kosong)", "tahap inspektur / setelah terbit",
           f"{service} ({service_s:.1f} s)", f"{verdict} ({verify_s:.1f} s)",
           office.page(big_letter))
    forger = ThrowawayPki(tmp / "pki").signer(office.workflow.signatory.person.name)
    forged = sign(fill_text_fields(office.prepared, {"Nomor": office.entry.number}),
                  office.workflow.signatory.field_name, forger)
    yield ("draf tanpa tanda tangan + nomor asli + tanda tangan buatan sendiri di kolom "
           "Gubernur", "berkas diunggah", "-", office.verify(forged), office.page(forged))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    import tempfile

    office = Office(args.workspace.resolve())
    header = ("serangan", "disuntikkan", "layanan (tahap approver)",
              "spt verify: tanda tangan", "halaman web (berkas diunggah)")
    with tempfile.TemporaryDirectory() as tmp:
        found = list(rows(office, Path(tmp)))
    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in found:
            print("| " + " | ".join(row) + " |")
    else:
        for row in found:
            print(" ; ".join(row))
    return 0


if __name__ == "__main__":
    sys.exit(main())
