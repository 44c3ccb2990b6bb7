"""The lyrics parser and its refusals: pure functions, no database."""

import codecs

import pytest

from encore import lyrics
from encore.lyrics import Line, LyricsRejected, LyricsTooLarge

SONG = "[ar:Someone]\n[ti:A Song]\n[00:01.50]First line\n[00:04.25]Second line\n\n[00:07.125]Third line\n"


def test_synced_lrc_becomes_lines_in_milliseconds() -> None:
    parsed = lyrics.parse(SONG)
    assert parsed.synced
    assert parsed.lines == (Line(1500, "First line"), Line(4250, "Second line"), Line(7125, "Third line"))
    assert parsed.language == "und"


def test_one_line_with_several_times_and_out_of_order_lines_are_sorted() -> None:
    parsed = lyrics.parse("[00:20.00]Verse two\n[00:05.00][00:30.00]Chorus\n[00:10.00]Verse one\n")
    assert [(line.start_ms, line.text) for line in parsed.lines] == [
        (5000, "Chorus"),
        (10000, "Verse one"),
        (20000, "Verse two"),
        (30000, "Chorus"),
    ]


def test_offset_language_and_word_times() -> None:
    parsed = lyrics.parse("[offset:+500]\n[la:ENG]\n[00:02.00]<00:02.00>Every <00:02.50>word\n")
    assert parsed.offset_ms == 500 and parsed.language == "eng"
    assert parsed.lines == (Line(2000, "Every word"),)
    assert parsed.shown_at(parsed.lines[0]) == 1500


def test_plain_text_is_unsynced_and_keeps_its_blank_lines_inside() -> None:
    parsed = lyrics.parse("\nVerse one\nstill one\n\nVerse two\n\n", language="de")
    assert not parsed.synced and parsed.language == "de"
    assert [line.text for line in parsed.lines] == ["Verse one", "still one", "", "Verse two"]
    assert all(line.start_ms is None for line in parsed.lines)


def test_canonical_lrc_round_trips() -> None:
    parsed = lyrics.parse("[offset:-120]\n[01:02.345]Exact\n[00:00.10]Start\n")
    assert lyrics.parse(lyrics.to_lrc(parsed)) == parsed


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[00:01.00]Timed\nUntimed words in the middle\n[00:03.00]Timed\n", "line 2: no timestamp"),
        ("[00:01.00]Fine\n[00:75.00]Seventy-five seconds\n", "line 2: malformed timestamp"),
        ("[00:01.00]Fine\n[1:2:3:4]What\n", "line 2: malformed timestamp"),
        ("[offset:soon]\n[00:01.00]Hi\n", "offset must be whole milliseconds"),
        # int() reads other scripts' digits and underscores: fullwidth and Arabic-Indic 500, and "5_00"
        ("[offset:\uff15\uff10\uff10]\n[00:01.00]Hi\n", "offset must be whole milliseconds"),
        ("[offset:\u0665\u0660\u0660]\n[00:01.00]Hi\n", "offset must be whole milliseconds"),
        ("[offset:5_00]\n[00:01.00]Hi\n", "offset must be whole milliseconds"),
        ("[ar:Only tags]\n[ti:Nothing else]\n", "no lyrics"),
        ("", "no lyrics"),
        ("[offset:99999999]\n[00:01.00]Hi\n", "offset out of range"),
    ],
)
def test_malformed_lrc_is_refused_with_the_line_and_reason(text: str, reason: str) -> None:
    with pytest.raises(LyricsRejected, match=reason):
        lyrics.parse(text)


def test_huge_files_are_refused_before_parsing_as_too_large() -> None:
    huge = ("[00:01.00]" + "la " * 100 + "\n").encode() * 1000  # ~300 KiB
    with pytest.raises(LyricsTooLarge, match="at most 256 KiB"):
        lyrics.from_bytes(huge)
    with pytest.raises(LyricsTooLarge):
        lyrics.parse(huge.decode())


def test_too_many_lines_and_too_long_lines_are_refused() -> None:
    many = "".join(f"[{i // 6000:02d}:{i // 100 % 60:02d}.{i % 100:02d}]x\n" for i in range(lyrics.MAX_LINES + 1))
    with pytest.raises(LyricsRejected, match=f"at most {lyrics.MAX_LINES}"):
        lyrics.parse(many)
    assert len(lyrics.parse(many.split("\n", 1)[1]).lines) == lyrics.MAX_LINES
    with pytest.raises(LyricsRejected, match="line 1 has"):
        lyrics.parse("[00:01.00]" + "a" * lyrics.MAX_LINE_CHARS)


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + SONG.encode(),
        codecs.BOM_UTF16_LE + SONG.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + SONG.encode("utf-16-be"),
        SONG.encode("utf-16"),  # Python writes its native byte order with a mark
    ],
)
def test_utf8_and_utf16_with_a_byte_order_mark_are_read(data: bytes) -> None:
    assert lyrics.from_bytes(data) == lyrics.parse(SONG)


def test_latin1_is_refused_clearly_not_guessed() -> None:
    with pytest.raises(LyricsRejected, match=r"not UTF-8 \(byte \d+\); save the file as UTF-8"):
        lyrics.from_bytes("[00:01.00]Café déjà vu\n".encode("latin-1"))


def test_nul_bytes_are_refused() -> None:
    with pytest.raises(LyricsRejected, match="NUL bytes"):
        lyrics.from_bytes(SONG.encode("utf-16-le"))  # UTF-16 without its mark
    with pytest.raises(LyricsRejected, match="NUL"):
        lyrics.from_bytes(b"[00:01.00]Hi\x00there\n")
    with pytest.raises(LyricsRejected, match="NUL"):
        lyrics.parse("[00:01.00]Hi\x00there\n")


def test_other_control_characters_become_spaces() -> None:
    assert lyrics.parse("[00:01.00]Bell\x07ring\x1b[31m\n").lines == (Line(1000, "Bell ring [31m"),)


def test_lines_after_the_track_ends_are_refused_and_the_offset_counts() -> None:
    parsed = lyrics.parse("[00:01.00]In time\n[00:09.00]Too late\n")
    lyrics.check_fits(parsed, duration_ms=9000)  # starting exactly at the end is still inside
    with pytest.raises(
        LyricsRejected, match=r"line 2 \('Too late'\) starts at 00:09.00, after the track ends at 00:08.00"
    ):
        lyrics.check_fits(parsed, duration_ms=8000)
    shifted = lyrics.parse("[offset:2000]\n[00:01.00]In time\n[00:09.00]Now in time\n")
    lyrics.check_fits(shifted, duration_ms=8000)
    lyrics.check_fits(lyrics.parse("plain text of any length"), duration_ms=1)  # unsynced: nothing to place


def test_language_codes_are_normalised() -> None:
    assert lyrics.normal_language("ENG") == "eng"
    assert lyrics.normal_language("XXX") == "und"  # ID3's "unknown"
    assert lyrics.normal_language("english") == "und"
    assert lyrics.normal_language(None) == "und"
