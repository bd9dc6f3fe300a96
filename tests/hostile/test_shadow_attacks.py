"""The shadow-attack corpus against the checks themselves (no running service needed).

Every attack of :mod:`tests.support.shadow` (hide, replace, hide-and-replace, each
carried by the page's content stream, an overlay annotation, another field's
appearance, the signer's own field stretched over the text, a new field filled with
a fake ``/DocTimeStamp``) is tried

- by an approver, in the very revision of their own valid signature, at the *first*
  marking stage (``kasubag``: no earlier signature whose change analysis could see
  it) and at a *later* one (``inspektur``): :func:`check_approver_revision` must
  refuse each with a note naming the change;
- carried through to an issued letter, as the service did before (the remaining
  marks, the number, the seal): ``verify_pdf`` must call each letter invalid;
- after issue, in an unsigned revision on top of the sealed letter.

Plus the file that took the public page down: one signature followed by 400
revisions that each add an empty field.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from pyhanko.sign import signers
from pyhanko.stamp import TextStampStyle

from pipeline.pdf.fill import fill_number
from pipeline.resources import WORKSPACE
from pipeline.signing.approver import check_approver_revision
from pipeline.signing.bounded import CheckLimits, CheckRefused, Limit
from pipeline.signing.keys import KeyRing
from pipeline.signing.marks import MarkAppearance, apply_mark
from pipeline.signing.seal import SEAL_DOC_MDP, SEAL_FIELD, SigningFailed, apply_seal
from pipeline.signing.signature import sign_field
from pipeline.signing.verify import verify_pdf
from tests.support.shadow import Carrier, Effect, attacked, many_revisions, signed
from tests.support.signing import as_approver_stage, demo_workspace, prepared_pdf

pytestmark = pytest.mark.slow

APPROVERS = ("kasubag", "inspektur")   # the first marking stage, and a later one
CORPUS = [(stage, carrier, effect) for stage in APPROVERS for carrier in Carrier
          for effect in Effect]
IDS = [f"{s}-{c.value}-{e.value}" for s, c, e in CORPUS]
EXPECTED = frozenset({"Paraf_kasubag", "Paraf_sekretaris", "TTD_inspektur", "TTD_asisten1",
                      "TTD_sekda", "TTD_gubernur", "Cap_Dinas", "Nomor", "Tanggal", "QR"})


class Chain:
    """The default chain with two approver-signed stages, and every key to walk it."""

    def __init__(self, folder):
        text = (WORKSPACE / "spt.toml").read_text(encoding="utf-8")
        for key in APPROVERS:
            text = as_approver_stage(text, key)
        self.config, self.pki = demo_workspace(folder, config_text=text)
        self.workflow = self.config.workflow()
        self.ring = KeyRing.load(self.config)
        self.officials = {
            key: signers.SimpleSigner.load_pkcs12(
                str(self.pki.identities[key].pkcs12),
                passphrase=self.pki.identities[key].passphrase_file.read_text().strip().encode())
            for key in APPROVERS}
        self.prepared = prepared_pdf(text_fields=("Nomor", "Tanggal", "QR"))
        self.published = {"kasubag": self.prepared,
                          "inspektur": self.walk(self.prepared, "kasubag", "inspektur")}

    def mark(self, pdf: bytes, key: str) -> bytes:
        stage = self.workflow.stage(key)
        if key in self.officials:
            return signed(pdf, self.officials[key], stage.field_name)
        return apply_mark(pdf, field_name=stage.field_name, signer=self.ring.signer(key),
                          appearance=MarkAppearance.for_stage(stage, self.config),
                          when=dt.datetime.now(dt.UTC))

    def walk(self, pdf: bytes, start: str, stop: str | None = None) -> bytes:
        """Marks from stage ``start`` up to (not including) ``stop``; all the rest if None."""
        keys = [s.key for s in self.workflow.reviewers]
        for key in keys[keys.index(start):keys.index(stop) if stop else None]:
            pdf = self.mark(pdf, key)
        return pdf

    def issue(self, pdf: bytes, *, expected: frozenset[str] | None = None,
              unchecked: bool = False) -> bytes:
        """Number, date, QR and seal, as the finalisation does (``unchecked``: as it did
        before, when any value in the other signature fields satisfied the seal)."""
        filled = fill_number(pdf, nomor="800.1.11.1/0001/DISKOPUKM/2026",
                             tanggal="1 Desember 2026", qr_payload="https://spt.example/v/x")
        if unchecked:
            return sign_field(filled, field_name=SEAL_FIELD, signer=self.ring.seal_signer(),
                              stamp_style=TextStampStyle(stamp_text="CAP"), text_params=None,
                              reason="Cap dinas", location=None, when=dt.datetime.now(dt.UTC),
                              docmdp=SEAL_DOC_MDP)
        return apply_seal(filled, signer=self.ring.seal_signer(), image=self.config.seal.image,
                          when=dt.datetime.now(dt.UTC), expected_fields=expected)

    def check(self, key: str, submitted: bytes, **kwargs) -> list[str]:
        return check_approver_revision(published=self.published[key], submitted=submitted,
                                       stage=self.workflow.stage(key), config=self.config,
                                       **kwargs)

    def verify(self, pdf: bytes):
        return verify_pdf(pdf, trust_roots=self.config.trust.roots, workflow=self.workflow)


@pytest.fixture(scope="module")
def chain(tmp_path_factory) -> Chain:
    return Chain(tmp_path_factory.mktemp("shadow") / "ws")


def _attack(chain: Chain, stage: str, carrier: Carrier, effect: Effect) -> bytes:
    field = chain.workflow.stage(stage).field_name
    return attacked(chain.published[stage], effect, carrier, sign_as=chain.officials[stage],
                    field=field)


def test_the_honest_approvals_pass_every_check(chain):
    """The rule refuses nothing an honest signer does: both approvers' plain signatures are
    accepted, and the letter they become verifies in full."""
    for key in APPROVERS:
        plain = signed(chain.published[key], chain.officials[key],
                       chain.workflow.stage(key).field_name)
        assert chain.check(key, plain) == [], key
    letter = chain.issue(chain.walk(chain.prepared, "kasubag"), expected=EXPECTED)
    report = chain.verify(letter)
    assert report.complete, report.problems


@pytest.mark.parametrize(("stage", "carrier", "effect"), CORPUS, ids=IDS)
def test_an_attack_inside_the_approvers_own_revision_is_refused(chain, stage, carrier, effect):
    submitted = _attack(chain, stage, carrier, effect)
    # The signature itself is genuine: the signer's own key, in their own field.
    problems = chain.check(stage, submitted)
    assert problems, "accepted"
    note = "\n".join(problems)
    assert "membawa perubahan lain pada dokumen" in note
    expected_word = {
        Carrier.CONTENT: "halaman", Carrier.ANNOTATION: "halaman",
        Carrier.FIELD_APPEARANCE: "kolom Tanggal diubah",
        Carrier.OWN_RECT: "/Rect", Carrier.NEW_FIELD: "kolom baru ditambahkan: Stempel_Waktu",
    }[carrier]
    assert expected_word in note


@pytest.mark.parametrize(("stage", "carrier", "effect"), CORPUS, ids=IDS)
def test_an_issued_letter_carrying_the_attack_is_invalid(chain, stage, carrier, effect):
    """As the service did before: the attacked approval accepted, every later mark, the number
    and the seal applied on top. Verification must still see the attack."""
    after = chain.walk(_attack(chain, stage, carrier, effect),
                       chain.workflow.reviewers[chain.workflow.stage(stage).index].key)
    letter = chain.issue(after, unchecked=True)
    report = chain.verify(letter)
    assert not report.ok and not report.complete
    where = chain.workflow.stage(stage).field_name
    assert any(p.startswith("revisi ") for p in report.problems), report.problems
    if carrier is Carrier.NEW_FIELD:
        assert any("Stempel_Waktu" in p for p in report.problems)
        with pytest.raises(SigningFailed, match="Stempel_Waktu"):   # the seal refuses it now
            chain.issue(after, expected=EXPECTED)
    # The revision named is the attacked approver's, the one that carries their signature.
    revision = next(s for s in report.signatures if s.field_name == where)
    assert revision.intact and revision.valid and revision.trusted


AFTER_ISSUE = [(c, e) for c in Carrier for e in Effect]


@pytest.fixture(scope="module")
def issued(chain) -> bytes:
    return chain.issue(chain.walk(chain.prepared, "kasubag"), expected=EXPECTED)


@pytest.mark.parametrize(("carrier", "effect"), AFTER_ISSUE,
                         ids=[f"{c.value}-{e.value}" for c, e in AFTER_ISSUE])
def test_an_attack_after_issue_is_invalid(chain, issued, carrier, effect):
    letter = attacked(issued, effect, carrier, field="Cap_Dinas")
    report = chain.verify(letter)
    assert not report.ok
    assert any(p.startswith("revisi ") for p in report.problems), report.problems


def test_four_hundred_revisions_are_refused_before_any_validation(chain):
    key = "inspektur"
    field = chain.workflow.stage(key).field_name
    base = signed(chain.published[key], chain.officials[key], field)
    big = many_revisions(base, 400)
    limits = CheckLimits()
    started = time.process_time()
    problems = chain.check(key, big, limits=limits)
    assert time.process_time() - started < 2.0   # counted, not validated
    assert any("revisi baru" in p for p in problems)
    with pytest.raises(CheckRefused) as refused:
        verify_pdf(big, trust_roots=chain.config.trust.roots, workflow=chain.workflow,
                   limits=limits)
    assert refused.value.limit is Limit.REVISIONS
