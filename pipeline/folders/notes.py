"""The notes the service leaves for officials in their stage folders (Indonesian): one home.

Every text a person reads beside a file in the shared folders is written
here: a ``<case>.galat.txt`` saying why a move was not taken, and the note
published with a draft that came back. The engine decides *that* a note is
due; this module says it. (Mail texts live in ``templates/email/``.)
"""

from __future__ import annotations

from pipeline.core.workflow import Workflow


def note(text: str) -> str:
    """A note file's content: the text, one trailing newline."""
    return text.strip() + "\n"


def odd_entry(hard_link: bool) -> str:
    """Something that is not a plain file (a link, a folder, a pipe) was put in a folder."""
    what = ("tautan keras (hard link) ke berkas lain" if hard_link
            else "bukan berkas biasa (folder, pintasan/symlink, atau pipa)")
    return note(f"Isi ini {what} dan tidak diproses; isinya tidak dibaca. "
                "Pindahkan berkas SPT aslinya, bukan pintasannya.")


def draft_not_docx(case_id: str, moved_name: str) -> str:
    """At the drafting stage something other than the editable draft was agreed."""
    return (f"Pada tahap penyusunan, yang dipindahkan ke folder disetujui adalah berkas "
            f"{case_id}.docx (draf yang dapat disunting), bukan {moved_name}.")


def _into(returned: bool) -> str:
    return "dikembalikan" if returned else "disetujui"


def refused(case_id: str, moved_name: str, *, returned: bool, reason: str,
            kept_name: str) -> str:
    """A move that the chain refused; the file is kept under ``kept_name``."""
    return note(f"Berkas {moved_name} yang dipindahkan ke folder {_into(returned)} TIDAK "
                f"diproses.\n\n{reason}\n\nBerkas tersebut disimpan sebagai {kept_name}. "
                f"Kasus {case_id} tetap berada di tahap ini.")


def misplaced(case_id: str, moved_name: str, *, returned: bool, where: str,
              this_stage: str) -> str:
    """A case's file moved at a stage the case is not at (``where``: where it is)."""
    return note(f"Berkas {moved_name} di folder {_into(returned)} TIDAK diproses: kasus "
                f"{case_id} {where}, bukan di tahap {this_stage}. Tidak ada yang berubah; "
                "berkas telah disimpan oleh sistem.")


def at_stage(role: str, folder: str) -> str:
    """Where a case in the chain is, for :func:`misplaced`."""
    return f"saat ini berada di tahap {role} (folder {folder})"


def unknown_file(name: str) -> str:
    """A file that matches no case."""
    return note(
        f"Berkas {name} tidak dikenali sebagai berkas SPT yang diterbitkan sistem "
        "(nama dan isinya tidak cocok dengan kasus mana pun), sehingga tidak diproses. "
        "Pindahkan berkas SPT asli dari folder tahap Anda."
    )


def for_drafter(text: str) -> str:
    """A system note for the drafter, published with the draft."""
    return note("Catatan sistem untuk penyusun draf:\n" + text)


def returned_to(workflow: Workflow, case_id: str, stage_key: str, reason: str | None) -> str:
    """Published with a draft that came back to ``stage_key``: who returned it and why."""
    idx = next((s.index for s in workflow.stages if s.key == stage_key), 0)
    nxt = workflow.stages[min(idx + 1, workflow.last_index)]
    return note(
        f"SPT {case_id} dikembalikan oleh {nxt.role} ({nxt.person.name}).\n"
        f"Alasan: {reason or 'tanpa alasan'}\n\n"
        + ("Perbaiki draf (berkas .docx) lalu pindahkan ke folder disetujui."
           if idx == 0 else
           "Periksa kembali; pindahkan ke disetujui untuk meneruskan, atau ke dikembalikan "
           "untuk mengembalikan ke tahap sebelumnya.")
    )
