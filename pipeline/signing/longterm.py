"""Would this letter still verify on a given date? PAdES long-term validation, offline.

``spt verify --pada TANGGAL`` and the verification page ask this with a date after every
signer's certificate has expired. pyHanko's AdES LTA validation (ETSI EN 319 102-1,
§ 5.6.3) answers from what the file itself carries: the document timestamps prove the
signatures and the DSS's CRLs/OCSP responses existed while the certificates were valid,
and the newest timestamp's certificate must still be valid on that date. Nothing is
fetched: a letter must stand on its own.

For a date in the future, pyHanko's ``simulate_future_ades_lta_validation`` runs the same
algorithm at that date, taking the newest timestamp's certificate as not revoked (its
future revocation status cannot be known today) and everything in the file as proven
to exist now: it answers "will this letter still verify then, if its archive timestamp
is renewed in time" (``spt perpanjang``).

A letter without validation data (B-B, B-T) is reported as not verifiable at a date
when its certificates have expired: that is the truthful answer, not a failure of the
signatures.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from dataclasses import dataclass

from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.validation.ades import (
    ades_lta_validation,
    simulate_future_ades_lta_validation,
)
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from pipeline.logs import quiet


@dataclass(frozen=True)
class LongTermResult:
    """One signature's verdict at the chosen date."""

    field_name: str
    ok: bool
    status: str              # PASSED / INDETERMINATE / FAILED
    reason: str | None       # pyHanko's sub-indication, e.g. NO_POE, REVOKED
    best_time: dt.datetime | None   # the earliest time the signature is proven to exist

    def to_dict(self) -> dict:
        return {"field_name": self.field_name, "ok": self.ok, "status": self.status,
                "reason": self.reason,
                "best_time": self.best_time.isoformat() if self.best_time else None}

    @classmethod
    def from_dict(cls, data: dict) -> LongTermResult:
        """The result :meth:`to_dict` wrote (from a bounded check's JSON answer)."""
        best = data.get("best_time")
        return cls(field_name=data["field_name"], ok=data["ok"], status=data["status"],
                   reason=data["reason"],
                   best_time=dt.datetime.fromisoformat(best) if best else None)


def validate_at(pdf: bytes, roots, at: dt.datetime, *, diff_policy=None) -> list[LongTermResult]:
    """Each signature's long-term verdict at ``at`` (an aware datetime), from the file alone."""
    if at.tzinfo is None:
        raise ValueError("the validation time needs a time zone")
    with quiet("pyhanko", "pyhanko_certvalidator"):  # the verdict says it once
        return asyncio.run(_validate_all(pdf, list(roots), at, diff_policy))


def after_expiry(pdf: bytes) -> dt.datetime:
    """A day after the last signer's certificate expires (or now, if that has passed):
    the date at which only the file's own validation data can still prove the letter."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    ends = [sig.signer_cert["tbs_certificate"]["validity"]["not_after"].native
            for sig in reader.embedded_regular_signatures]
    now = dt.datetime.now(dt.UTC)
    return max([now, *(e + dt.timedelta(days=1) for e in ends)])


def long_term_in_child(pdf: bytes, trust_roots: list[str], limits) -> dict:
    """The long-term verdict a day after every signer's certificate expired, as
    :func:`pipeline.signing.bounded.run_bounded` runs it (the web page's check): the
    file's size, revisions and fields are counted first, then :func:`validate_at`."""
    from pipeline.signing.bounded import CheckRefused, structure_problem
    from pipeline.signing.verify import SPT_DIFF_POLICY

    hit = structure_problem(PdfFileReader(io.BytesIO(pdf), strict=False), limits)
    if hit is not None:
        raise CheckRefused(*hit)
    from pyhanko.keys import load_certs_from_pemder

    roots = list(load_certs_from_pemder(trust_roots))
    at = after_expiry(pdf)
    return {"at": at.isoformat(),
            "results": [r.to_dict() for r in validate_at(pdf, roots, at,
                                                         diff_policy=SPT_DIFF_POLICY)]}



async def _validate_all(pdf, roots, at, diff_policy) -> list[LongTermResult]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness=None,
            freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION),
    )
    spec = PdfSignatureValidationSpec(
        signature_validation_spec=SignatureValidationSpec(cert_validation_policy=policy),
        **({"diff_policy": diff_policy} if diff_policy is not None else {}),
    )
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at,
                                  point_in_time_validation=True)
    now = dt.datetime.now(dt.UTC)
    future = at > now
    results = []
    for sig in reader.embedded_regular_signatures:
        name = str(sig.field_name)
        try:
            if future:
                res = await simulate_future_ades_lta_validation(sig, spec, at, now)
            else:
                res = await ades_lta_validation(sig, spec, timing_info=timing)
        except Exception as exc:  # a malformed signature is a verdict, not a crash
            results.append(LongTermResult(name, False, "FAILED", str(exc)[:200], None))
            continue
        status = res.ades_subindic.status
        sub = res.ades_subindic
        results.append(LongTermResult(
            field_name=name, ok=status is AdESStatus.PASSED, status=status.name,
            reason=None if status is AdESStatus.PASSED else getattr(sub, "name", str(sub)),
            best_time=getattr(res, "best_signature_time", None),
        ))
    return results
