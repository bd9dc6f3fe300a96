"""Invitations sent as e-mail bodies, as real mails carry them (issue 21; real letters r44-r46).

A plain-text mail is fixed-width text: a reply quotes the invitation with "> " (AOL with
"<< … >>"), a value that runs on is wrapped under its own first character, a forwarded
message's header block is printed into the body with its subject folded, and the subject
often states the whole invitation ("Undangan <event> di <place>, <date>, pkl <time>").
"""

from pipeline.extract.carriers import body_document
from pipeline.extract.fields import _mail_date, read_fields

from .extract_helpers import text_doc

# The shape of r45 (a list member's reply quoting the embassy's mail, AOL style).
QUOTED_REPLY = "\n".join(
    [
        "In a message dated 4/8/00 4:57:27 PM Eastern Daylight Time, [EMAIL PROTECTED]",
        "writes:",
        "",
        "<< In a message dated 4/7/00 7:20:06 PM Eastern Daylight Time,",
        "[EMAIL PROTECTED]",
        " writes:",
        "",
        " > 1. Hari/tanggal     :   Senin, 10 April 2000",
        " >     Waktu            :   19:00 s/d selesai",
        " >     Tempat           :   Ruang Garuda",
        " >                          KBRI Washington, DC",
        " >                          2020 Massachusetts Avenue, NW",
        " >                          Washington, DC 20036",
        " >     Acara            :   Tatap muka dengan Rombongan Badan",
        " >                          Pekerja MPR (BP-MPR) RI",
        "",
        " Pak Ramadhan, apakah undangan ini terbuka juga bagi",
        " warga di luar DC?",
        "  >>",
        "",
        "Diskusi yang diselenggarakan di KBRI bersifat terbuka bagi siapa saja.",
    ]
)

# The shape of r46 (a reply on top of an invitation forwarded twice).
FORWARDED = "\n".join(
    [
        "Salam dan bahagia.",
        "Rencana pulang Selasa depan.",
        "",
        "--- On Wed, 7/2/08, luluk sumiarso <[EMAIL PROTECTED]> wrote:",
        "",
        "From: luluk sumiarso <[EMAIL PROTECTED]>",
        "Subject: [ac-i] Fwd: Undangan Sarasehan Budaya di Studio-B RRI Jkt, Sabtu 5 ",
        "Juli 2008, pkl 11.00-13.00",
        "To: artculture-indonesia@yahoogroups.com",
        "Date: Wednesday, July 2, 2008, 9:08 PM",
        "",
        "---------- Forwarded message ----------",
        "From: peduli budaya <pedulibudaya@ gmail.com>",
        "Date: 2008/7/2",
        "Subject: Undangan Sarasehan Budaya di Studio-B RRI Jkt, Sabtu 5 Juli 2008, pkl ",
        "11.00-13.00",
        "To: artculture-indonesi [EMAIL PROTECTED] com",
        "",
        "Yth. Para Budayawan/Pemerhati Budaya/Penggiat Budaya",
        "(mohon dapat di FWD )",
    ]
)


def test_an_invitation_quoted_in_a_plain_text_reply_is_read_as_its_table():
    """'> ' and AOL's '<< … >>' mark quoted history; the quoted event table is read."""
    fields = read_fields(body_document(QUOTED_REPLY)).fields
    assert fields["tanggal_mulai"] == "2000-04-10"
    assert fields["waktu"] == "19.00 s/d selesai"


def test_a_value_wrapped_under_its_first_character_goes_on_in_a_plain_text_mail():
    """Fixed-width text: the line starting exactly where the value started continues it."""
    fields = read_fields(body_document(QUOTED_REPLY)).fields
    assert fields["acara"] == "Tatap muka dengan Rombongan Badan Pekerja MPR (BP-MPR) RI"


def test_a_place_over_several_lines_of_a_mail_is_null_not_its_first_line():
    """'Ruang Garuda' / 'KBRI Washington, DC' / '2020 Massachusetts Avenue, NW' / …: how the
    pieces join is not in the mail; 'Ruang Garuda' alone would be a confident half."""
    reading = read_fields(body_document(QUOTED_REPLY))
    assert reading.fields["tempat"] is None
    assert "runs on" in reading.explain["tempat"]


def test_a_column_that_does_not_match_is_no_continuation():
    body = "\n".join(
        [
            "Acara    :   Rapat Koordinasi Persiapan",
            "           Pameran UMKM",  # one column off: not under the value
            "Kami mengundang Bapak/Ibu untuk hadir pada hari Selasa, 14 Mei 2024.",
        ]
    )
    lines = [ln.text for ln in body_document(body).lines]
    assert lines[0] == "Acara : Rapat Koordinasi Persiapan"
    assert lines[1] == "Pameran UMKM"


def test_a_forwarded_subject_folded_in_its_header_block_is_the_hal():
    """The subject goes on on the line before 'To:'; the list's tag and 'Fwd:' are not part
    of it, so the three printed subjects agree."""
    reading = read_fields(body_document(FORWARDED))
    assert (
        reading.fields["hal"]
        == "Undangan Sarasehan Budaya di Studio-B RRI Jkt, Sabtu 5 Juli 2008, pkl 11.00-13.00"
    )


def test_a_subject_that_states_the_invitation_gives_its_event_date_time_and_place():
    fields = read_fields(body_document(FORWARDED)).fields
    assert fields["acara"] == "Sarasehan Budaya"
    assert fields["tanggal_mulai"] == fields["tanggal_selesai"] == "2008-07-05"
    assert fields["waktu"] == "11.00-13.00"
    assert fields["tempat"] == "Studio-B RRI Jkt"


def test_the_forwarded_original_mails_date_is_the_letters_date():
    """The last header block printed into the body is the invitation's own message."""
    reading = read_fields(body_document(FORWARDED))
    assert reading.fields["tanggal"] == "2008-07-02"
    assert "forwarded mail" in reading.explain["tanggal"]


def test_a_header_block_of_another_subject_dates_nothing():
    """History quoted under a reply is older mail: its date is not the invitation's."""
    body = "\n".join(
        [
            "Subjek: Undangan Rapat Koordinasi Persiapan Pameran UMKM",
            "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada:",
            "Hari/Tanggal : Selasa, 14 Mei 2024",
            "",
            "From: Sekretariat <sekretariat@example.go.id>",
            "Sent: Monday, May 6, 2024 9:12 AM",
            "Subject: RE: Daftar peserta pameran",
        ]
    )
    reading = read_fields(body_document(body))
    assert reading.fields["tanggal"] is None


def test_an_indonesian_mail_programs_forward_header():
    body = "\n".join(
        [
            "---------- Pesan terusan ---------",
            "Dari: Bagian Umum <umum@example.go.id>",
            "Date: Sen, 13 Mei 2024 pukul 10.15",
            "Subject: Undangan Rapat Koordinasi di Aula Dinas, Selasa 14 Mei 2024, pukul 09.00",
            "To: <agenda@example.go.id>",
            "",
            "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir.",
        ]
    )
    fields = read_fields(body_document(body)).fields
    assert fields["tanggal"] == "2024-05-13"
    assert fields["tanggal_mulai"] == "2024-05-14"
    assert fields["tempat"] == "Aula Dinas"
    assert fields["waktu"] == "09.00"


def test_the_table_and_the_body_outrank_what_a_subject_states():
    body = "\n".join(
        [
            "Subjek: Undangan Rapat Koordinasi di Aula Dinas, Senin 13 Mei 2024, pukul 09.00",
            "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada:",
            "Hari/Tanggal : Selasa, 14 Mei 2024",
            "Waktu : 10.00 WIB",
            "Tempat : Ruang Rapat Lantai 2",
        ]
    )
    fields = read_fields(text_doc(body, source="email body")).fields
    assert fields["acara"] == "Rapat Koordinasi"
    assert fields["tanggal_mulai"] == "2024-05-14"
    assert fields["waktu"] == "10.00 WIB"
    assert fields["tempat"] == "Ruang Rapat Lantai 2"


def test_a_subject_without_a_date_states_no_place():
    """'di Lingkungan …' in a subject is the event's scope, not where it is held."""
    body = "\n".join(
        [
            "Subjek: Undangan Sosialisasi Integritas di Lingkungan Dinas Pendidikan",
            "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir.",
        ]
    )
    fields = read_fields(text_doc(body, source="email body")).fields
    assert fields["tempat"] is None
    assert fields["acara"] == "Sosialisasi Integritas di Lingkungan Dinas Pendidikan"


def test_an_invitation_that_names_its_event_after_the_word_undangan():
    """r44, a consulate's mail: 'disampaikan undangan Silaturahmi Syawal 1443 H, yang akan
    diselenggarakan pada tanggal 8 Mei 2022, bertempat di KJRI Perth'."""
    body = "\n".join(
        [
            "Bapak dan Ibu Yth.",
            "Bersama ini disampaikan undangan Silaturahmi Syawal 1443 H, yang akan "
            "diselenggarakan pada tanggal 8 Mei 2022, bertempat di KJRI Perth. Mohon perkenan "
            "kehadiran Bapak/Ibu/Sdr/i dengan mendaftarkan diri melalui link berikut:",
        ]
    )
    fields = read_fields(body_document(body)).fields
    assert fields["acara"] == "Silaturahmi Syawal 1443 H"
    assert fields["tanggal_mulai"] == "2022-05-08"
    assert fields["tempat"] == "KJRI Perth"


def test_the_day_a_mail_was_sent_as_mail_programs_print_it():
    assert _mail_date("2008/7/2").start.isoformat() == "2008-07-02"
    assert _mail_date("Wednesday, July 2, 2008, 9:08 PM").start.isoformat() == "2008-07-02"
    assert _mail_date("Wed, 2 Jul 2008 10:00:00 +0700").start.isoformat() == "2008-07-02"
    assert _mail_date("Rabu, 2 Juli 2008 pukul 10.00").start.isoformat() == "2008-07-02"
    assert _mail_date("2008/13/2") is None
    assert _mail_date("kemarin") is None


def _mail_with_body(body: str) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = "sekretariat@example.go.id"
    msg["To"] = "tu@example.go.id"
    msg["Subject"] = "Undangan Rapat Koordinasi"
    msg.set_content(body)
    return bytes(msg)


INVITATION = "\n".join(
    [
        "Dengan hormat, kami mengundang Bapak/Ibu untuk hadir pada Rapat Koordinasi:",
        "Hari/Tanggal : Selasa, 14 Mei 2024",
        "Waktu : 09.00 WIB",
        "Tempat : Aula Dinas",
    ]
)


def test_an_oversized_mail_body_is_read_only_as_far_as_an_invitation_goes(tmp_path):
    """A mail of megabytes of text (a hostile or broken one): the invitation at its start is
    read, the rest is not (the note says so), as a PDF is read for its first pages only."""
    from pipeline.extract import extract
    from pipeline.extract.limits import ExtractLimits

    filler = "Baris tambahan yang tidak berisi apa-apa untuk surat ini.\n" * 60_000
    first = tmp_path / "first.eml"
    first.write_bytes(_mail_with_body(INVITATION + "\n" + filler))
    result = extract(first)
    assert result.fields["tanggal_mulai"] == "2024-05-14"
    assert result.fields["tempat"] == "Aula Dinas"
    limit = ExtractLimits().max_body_chars
    assert any("karakter pertama yang dibaca" in n for n in result.notes)
    assert any(f"{limit:,}".replace(",", ".") in n for n in result.notes)

    # The same invitation after the limit is not looked for there.
    late = tmp_path / "late.eml"
    late.write_bytes(_mail_with_body(filler + INVITATION))
    assert extract(late).fields["tanggal_mulai"] is None
