"""A reviewer's paraf or an official's signature on the SPT: one incremental PAdES revision.

Each non-drafting stage of the workflow marks the letter in its own field
(:attr:`pipeline.core.workflow.Stage.field_name`, created beforehand by
:mod:`pipeline.pdf.prepare`). A paraf is a small box with the name, role and
time; a signature is an open block saying the letter is signed electronically,
with the same details. Both carry /Reason (``Paraf Sekretaris``,
``Tanda tangan Gubernur``) and /Location (the agency's city), and, when
``trust.tsa_url`` is configured, an RFC 3161 timestamp.
"""

from __future__ import annotations

import datetime as dt

from pipeline.signing.appearance import MarkAppearance
from pipeline.signing.keys import LoadedSigner
from pipeline.signing.signature import SigningFailed, sign_field, timestamper_for

__all__ = ["MarkAppearance", "SigningFailed", "apply_mark"]


def apply_mark(
    pdf: bytes,
    *,
    field_name: str,
    signer: LoadedSigner,
    appearance: MarkAppearance,
    when: dt.datetime,
    tsa_url: str | None = None,
    timestamper=None,
) -> bytes:
    """Sign the existing empty field ``field_name`` of ``pdf`` as ``signer``; the new PDF's bytes.

    ``when`` (an aware datetime, from the service's clock) is the signing
    time recorded in the signature and shown, in the agency's zone, in the
    appearance. Raises :class:`SigningFailed` if the field is missing or
    already signed, or the TSA cannot be reached.
    """
    return sign_field(
        pdf,
        field_name=field_name,
        signer=signer,
        stamp_style=appearance.stamp_style(),
        text_params={"spt_text": appearance.text(when)},
        reason=appearance.reason,
        location=appearance.location,
        when=when,
        timestamper=timestamper if timestamper is not None else timestamper_for(tsa_url),
    )
