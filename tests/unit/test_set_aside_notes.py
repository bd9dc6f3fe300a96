"""What leaves the share for a case's sisa/: Word's owner file of the case's draft, and the
note beside each file set aside."""

from __future__ import annotations

import pytest

from pipeline.folders import notes
from pipeline.service.publisher import StagePublisher


@pytest.mark.parametrize(("name", "owner"), [
    ("~$T-2026-0001.docx", True),      # Word: the first two characters replaced
    ("~$SPT-2026-0001.DOCX", True),
    ("~$1.docx", False),               # the owner file of a document named 1.docx
    ("~$T-2026-00010.docx", False),    # another case
    ("~WRL0001.tmp", False),
])
def test_words_owner_file_of_the_cases_draft(name, owner):
    assert StagePublisher._word_owner_of(name, "SPT-2026-0001") is owner


def test_the_note_beside_a_late_save_says_it_is_not_in_the_letter():
    text = notes.set_aside("SPT-2026-0001.docx", "SPT-2026-0001", issued=True, late_edit=True)
    assert "SETELAH draf diteruskan" in text and "TIDAK termasuk dalam surat" in text
    assert "SPT-2026-0001 sudah terbit" in text and "tidak dihapus" in text
    owner = notes.set_aside("~$T-2026-0001.docx", "SPT-2026-0001", issued=False,
                            late_edit=False)
    assert "berkas kunci Microsoft Word" in owner and "sudah berpindah" in owner
