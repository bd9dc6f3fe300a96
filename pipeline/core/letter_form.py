"""How the letter presents its signatory: signature block and kop (Permendagri 1/2023).

Article 44 of Permendagri 1/2023 (Tata Naskah Dinas): the head of region, the
deputy head of region and the regional secretary (Sekda) sign with their name
only; other officials add their rank (pangkat) and NIP. A letter the head of
region signs carries the head of region's kop (the national emblem and the
office, "GUBERNUR KALIMANTAN BARAT"); a letter an agency's head signs carries
the agency's kop. Both are set per signatory in the chain's configuration
(``signature_block``, ``kop``); these are the defaults when they are not.
"""

from __future__ import annotations

import enum
import re


class SignatureBlock(enum.StrEnum):
    NAME = "nama"                    # name only (head of region, deputy, Sekda)
    NAME_RANK_NIP = "nama_pangkat_nip"  # name, rank, NIP (every other official)


class Kop(enum.StrEnum):
    AGENCY = "dinas"                  # the agency's letterhead, with its logo and address
    HEAD_OF_REGION = "kepala_daerah"  # national emblem and the head of region's office


_HEAD = re.compile(r"\b(gubernur|bupati|wali\s*kota|walikota)\b", re.IGNORECASE)
_SEKDA = re.compile(r"\b(sekretaris\s+daerah|sekda)\b", re.IGNORECASE)


def is_head_of_region(*names: str) -> bool:
    """A (deputy) governor, regent or mayor, by role, office or key."""
    return any(_HEAD.search(n or "") for n in names)


def default_signature_block(*names: str) -> SignatureBlock:
    """Article 44: name only for the head of region, the deputy and the Sekda."""
    if is_head_of_region(*names) or any(_SEKDA.search(n or "") for n in names):
        return SignatureBlock.NAME
    return SignatureBlock.NAME_RANK_NIP


def default_kop(*names: str) -> Kop:
    """The head of region's kop for a letter the (deputy) head of region signs."""
    return Kop.HEAD_OF_REGION if is_head_of_region(*names) else Kop.AGENCY
