"""The notes the service leaves for officials in their stage folders (Indonesian): one home.

Every text a person reads beside a file in the shared folders is written
here: a ``<case>.galat.txt`` saying why a move was not taken, and the note
published with a draft that came back. The engine decides *that* a note is
due; this module says it. (Mail texts live in ``templates/email/``.)
"""

from __future__ import annotations

from collections.abc import Sequence

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


def draft_unprepared(reason: str) -> str:
    """The drafter's DOCX lost what the marks need (the Paraf table, the date line)."""
    return (f"Draf tidak dapat disiapkan untuk paraf dan tanda tangan: {reason}. "
            "Kembalikan bagian itu seperti pada draf yang diterima.")


def block_not_holder(*, role: str, holder: str, printed_title: str, printed_name: str,
                     title_line: str, name: str, nip: str | None, pangkat: str | None,
                     deputy: bool) -> str:
    """The reason a signatory's approval went back to drafting: the printed block names
    someone other than the stage's holder (a Plh./Plt. set, or ended, after drafting).
    ``nip``/``pangkat``: the lines under the name (``None``: none, as Art. 44 has it)."""
    if nip:
        nip = f", pangkat \"{pangkat}\" dan \"NIP. {nip}\"" if pangkat else f", \"NIP. {nip}\""
    else:
        nip = " (tanpa gelar akademik, NIP, dan pangkat)" if deputy else " (tanpa NIP)"
    return (f"Blok tanda tangan surat mencetak \"{' '.join(printed_title.split())}\" atas "
            f"nama \"{' '.join(printed_name.split())}\", sedangkan tahap {role} saat ini "
            f"dipegang oleh {holder}. Surat TIDAK ditandatangani: tanda tangan harus berada di "
            "bawah blok atas nama pemegang tahap. Ubah blok tanda tangan pada draf (dan pada "
            f"Lampiran, bila ada) menjadi baris jabatan \"{title_line},\" dan nama "
            f"\"{name}\"{nip}, lalu pindahkan draf ke folder disetujui.")


def block_returned_by(holder: str) -> str:
    """Who returned a case whose printed block names someone else (the service did)."""
    return f"sistem SPT, ketika {holder} menyetujui"


def block_returned(case_id: str, reason: str) -> str:
    """Left for the holder whose approval was not signed (and mailed to them)."""
    return note(f"Persetujuan Anda atas kasus {case_id} belum ditandatangani.\n\n{reason}\n\n"
                "Kasus dikembalikan ke tahap penyusunan draf. Setelah draf diperbaiki, surat "
                "kembali ke folder ini untuk Anda setujui.")


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
                f"{case_id} {where}, bukan di tahap {this_stage}. Tidak ada yang berubah. "
                "Berkas itu dipindahkan dari folder ini dan disimpan oleh sistem (TI dapat "
                f"mengambilnya kembali dari state/cases/{case_id}/sisa/).")


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


def returned_to(workflow: Workflow, case_id: str, stage_key: str, reason: str | None,
                late: Sequence[str] = (), by: str | None = None) -> str:
    """Published with a draft that came back to ``stage_key``: who returned it (``by``, else
    the next stage's official) and why (``late``: reasons the official wrote after the
    return was recorded)."""
    idx = next((s.index for s in workflow.stages if s.key == stage_key), 0)
    nxt = workflow.stages[min(idx + 1, workflow.last_index)]
    added = "".join(f"Alasan (ditulis kemudian): {text}\n" for text in late)
    return note(
        f"Kasus {case_id} dikembalikan oleh {by or f'{nxt.role} ({nxt.person.name})'}.\n"
        f"Alasan: {reason or 'tanpa alasan'}\n{added}\n"
        + ("Perbaiki draf (berkas .docx) lalu pindahkan ke folder disetujui."
           if idx == 0 else
           "Periksa kembali; pindahkan ke disetujui untuk meneruskan, atau ke dikembalikan "
           "untuk mengembalikan ke tahap sebelumnya.")
    )


# --- people on a Windows share (docs/windows-share.md) ---------------------------------

def reason_waiting(case_id: str, what: str, wait_seconds: float,
                   problems: Sequence[str] = ()) -> str:
    """A return (``what``: "pengembalian"/"pembatalan") waits for its written reason."""
    text = (f"Berkas {case_id} sudah diterima di folder ini, tetapi alasan {what} belum ada "
            f"atau masih kosong.\n\nTulis alasannya di berkas teks {case_id}.txt di folder ini "
            f"(Notepad atau Word). Jika dalam {int(wait_seconds)} detik belum ada alasan berisi "
            f"teks, {what} dicatat tanpa alasan; alasan yang ditulis sesudahnya tetap "
            "diteruskan.")
    if problems:
        text += "\n\nTidak dapat dibaca: " + "; ".join(problems)
    return note(text)


def reason_missing(case_id: str, wait_seconds: float, to_role: str) -> str:
    """A return was recorded without a reason; one written now is still forwarded."""
    return note(f"Pengembalian {case_id} telah dicatat TANPA ALASAN karena tidak ada berkas "
                f"alasan berisi teks dalam {int(wait_seconds)} detik.\n\nJika Anda menulis "
                f"alasannya sekarang di berkas {case_id}.txt dalam folder ini, alasan itu "
                f"dicatat dan diteruskan kepada {to_role}.")


def cancel_needs_case_file(case_id: str) -> str:
    """Something other than the case's own file was moved into ``batal/``."""
    return (f"Yang dipindahkan ke folder batal harus berkas {case_id}.docx atau "
            f"{case_id}.pdf dari folder ini, tanpa diubah.")


def late_edit(draft_name: str, *, role: str | None, folder: str | None) -> str:
    """The draft was saved again after it was sent on (Word's second save): not in the
    letter; ``role``/``folder``: the stage that can return it (``None``: already signed)."""
    if role is not None:
        ask = (f"Jika perubahan ini diperlukan, minta {role} (folder {folder}) mengembalikan "
               "SPT sampai ke tahap penyusunan; berkas ini tetap di sini dan dapat Anda "
               "pindahkan ke disetujui saat itu.")
    else:
        ask = "SPT ini sudah ditandatangani; perubahan tidak dapat dimasukkan lagi."
    return note(f"{draft_name} di folder ini disimpan SETELAH draf diteruskan ke tahap "
                "berikutnya: perubahan ini TIDAK termasuk dalam surat yang sedang "
                f"diproses.\n\n{ask}")


_FOLDER_ACTION = {"disetujui": "menyetujui", "dikembalikan": "mengembalikan",
                  "batal": "membatalkan"}


def folder_renamed(folder: str, new_name: str, inside: Sequence[str]) -> str:
    """An action folder (``disetujui``…) was renamed to ``new_name`` by someone on the
    share; the service made a new ``folder``. Beside the renamed one, named after it."""
    what = _FOLDER_ACTION.get(folder, "memproses")
    listed = "".join(f"- {name}\n" for name in inside)
    return note(
        f"Folder {folder} di tahap ini diganti namanya menjadi \"{new_name}\". Sistem hanya "
        f"memproses berkas di folder bernama {folder}, maka folder {folder} telah dibuat "
        f"ulang (kosong).\n\n"
        f"Berkas di folder \"{new_name}\" TIDAK diproses dan tidak diubah oleh sistem"
        + (f":\n{listed}" if listed else ".\n")
        + f"\nJika Anda bermaksud {what} SPT dengan berkas di dalamnya, pindahkan berkas "
        f"itu ke folder {folder} yang baru setelah salinannya selesai (salinan yang terputus "
        "di tengah jalan tidak lengkap: salin ulang dari sumbernya). Catatan ini hilang "
        f"sendiri setelah folder \"{new_name}\" dihapus.")


def folder_deleted(folder: str) -> str:
    """An action folder was deleted (or moved out of the stage) by someone on the share; the
    service made a new, empty one. In the stage folder, until a case next leaves it."""
    what = _FOLDER_ACTION.get(folder, "memproses")
    return note(
        f"Folder {folder} di tahap ini dihapus (atau dipindahkan ke luar folder tahap), lalu "
        f"dibuat ulang oleh sistem, kosong, karena berkas yang dipindahkan ke folder "
        f"{folder} itulah yang diproses.\n\n"
        f"Berkas yang ada di dalamnya ketika folder itu dihapus TIDAK diproses. Jika Anda "
        f"sedang {what} SPT, periksa folder {folder}: bila berkas SPT Anda tidak ada di "
        f"sana, pindahkan lagi berkas SPT dari folder tahap ini ke folder {folder}.")


def set_aside(name: str, case_id: str, *, issued: bool, late_edit: bool) -> str:
    """Beside a file moved out of the stage folders into ``state/cases/<case>/sisa/`` (for
    IT, and the clerk IT shows it to): what it is, which case, why it was set aside."""
    why = (f"{case_id} sudah terbit" if issued
           else f"kasus {case_id} sudah berpindah dari tahap tempat berkas itu berada")
    moved = (f"Berkas ini dipindahkan oleh sistem dari folder bersama ke sini karena {why}; "
             "berkas tidak dihapus.")
    if name.startswith("~$"):
        return note(f"{name} adalah berkas kunci Microsoft Word (dibuat Word selama draf "
                    f"{case_id}.docx terbuka, dan biasanya terhapus saat Word ditutup). "
                    f"Isinya bukan draf.\n\n{moved} Berkas ini boleh dihapus.")
    if late_edit:
        what = (f"{name} adalah draf {case_id} yang disimpan lagi (misalnya oleh Word) "
                "SETELAH draf diteruskan ke tahap berikutnya. Perubahan di dalamnya TIDAK "
                "termasuk dalam surat.")
    else:
        what = (f"{name} tertinggal di folder tahap kasus {case_id} dan bukan berkas yang "
                "diterbitkan sistem untuk kasus itu.")
    return note(f"{what}\n\n{moved} Jika isinya masih diperlukan (misalnya untuk SPT baru "
                "atau perbaikan), salin dari sini.")
