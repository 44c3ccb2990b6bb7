"""The history's word search folds case in full and takes accents off, as the catalogue search does, on both
databases: "beyonce" finds "Beyoncé", "strasse" finds "Straße", "οδος" finds "ΟΔΟΣ", "москва" finds "Москва Ночью".
It compares stored folded text (plays.search_text, tracks.title_folded, artists.name_key; migration fix32b_1): a
play's own text as it was written (listens kept by text, imports, matched or not), and for a play of a catalogue
track the track's title and artists as they read now (a renamed track is found by its new name). It lowered per row
before (session 31), which found none of the folded cases; a listener finds only their own plays."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from encore import history
from encore.accounts import create_user
from encore.bootstrap import Container
from encore.catalog import Track
from encore.db import transaction
from encore.history import HistoryFilter, ListenIn, Play, PlayReport, report_play, submit_listens
from encore.labels import edit_metadata
from encore.portability import import_history
from tests.catalog import factories as f

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
T0 = datetime(2025, 3, 1, 8, tzinfo=UTC)
# (title, artist) of listens kept by their text, none of them in the catalogue
KEPT = [("Москва Ночью", "Кино"), ("Auf der Straße", "Die Band"), ("ΟΔΟΣ", "Ελένη"), ("100% Real", "Pct"),
        ("Crème Brûlée", "ÉMILIE ÅNGSTRÖM")]  # fmt: skip


def _found(c: Container, uid: int, text: str) -> list[str]:
    """The titles the listener's search shows, as each row names its track (its own text, else the catalogue's)."""
    with transaction(c.sessions) as s:
        page = history.browse_history(s, user_id=uid, flt=HistoryFilter(text=text), cursor=None, limit=50)
        titles = {t.id: t.title for t in s.scalars(select(Track))}
        assert page.total == len(page.rows)
        return sorted(r.track_name or titles[r.track_id or 0] for r in page.rows)


def _heard(s: object, uid: int, track_id: int, n: int) -> None:
    """A play the player reported: it names its catalogue track and keeps no text."""
    report = PlayReport(
        client_play_id=f"player-{uid}-{track_id}-{n}", track_id=track_id, track_duration_ms=180_000,
        started_at=T0 + timedelta(days=1, minutes=5 * n), ms_played=180_000, state="ended",
    )  # fmt: skip
    report_play(s, user_id=uid, report=report, now=NOW)  # type: ignore[arg-type]


def _world(c: Container, username: str) -> int:
    """A listener with listens kept by text, a listen matched to the catalogue's "Halo" by Beyoncé and player
    plays of two catalogue tracks in other scripts."""
    with transaction(c.sessions) as s:
        uid = create_user(s, username=username, password="listener-pass-1").id
        beyonce = s.scalar(select(Track).where(Track.title == "Halo"))
        if beyonce is None:
            artist = f.artist(s, "Beyoncé")
            f.track(s, "Halo", f.album(s, "Sasha", artist), [artist])
            zoe, zhanna = f.artist(s, "Zoë Ångström"), f.artist(s, "Жанна")
            f.track(s, "Ночной Экспресс", f.album(s, "Поезд", zhanna), [zhanna, zoe])
            f.track(s, "Ἄστρα Σιωπῆς", f.album(s, "Νύχτα", zoe), [zoe])
        for n, track in enumerate(s.scalars(select(Track).where(Track.title != "Halo").order_by(Track.id))):
            _heard(s, uid, track.id, n)
    listens = [
        ListenIn(listened_at=T0 + timedelta(minutes=9 * i), artist_name=a, track_name=t)
        for i, (t, a) in enumerate([*KEPT, ("Halo", "Beyoncé")])
    ]
    with transaction(c.sessions) as s:
        submit_listens(s, user_id=uid, listens=listens, source="listenbrainz", now=NOW)
    return uid


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("москва", ["Москва Ночью"]),  # Cyrillic, the listen's own text
        ("КИНО", ["Москва Ночью"]),
        ("экспресс", ["Ночной Экспресс"]),  # Cyrillic, a catalogue title (a player's play keeps no text)
        ("ЖАННА", ["Ночной Экспресс"]),  # ... and a catalogue artist
        ("strasse", ["Auf der Straße"]),  # ß folds to ss, both ways
        ("STRASSE", ["Auf der Straße"]),
        ("STRAßE", ["Auf der Straße"]),
        ("οδος", ["ΟΔΟΣ"]),  # Greek: the final sigma and the capital one are one letter
        ("ὁδός", ["ΟΔΟΣ"]),
        ("αστρα σιωπης", ["Ἄστρα Σιωπῆς"]),  # polytonic accents off, on a catalogue title
        ("beyonce", ["Halo"]),  # the listen's text and its catalogue artist
        ("BEYONCÉ", ["Halo"]),
        ("zoe angstrom", ["Ночной Экспресс", "Ἄστρα Σιωπῆς"]),  # a featured artist too
        ("creme brulee", ["Crème Brûlée"]),
        ("emilie", ["Crème Brûlée"]),  # an artist in capitals with accents
        ("  auf   DER  ", ["Auf der Straße"]),  # spaces fold as the stored text's do
        ("100%", ["100% Real"]),  # % and _ are text, not wildcards
        ("1000", []),
        ("_", []),
        ("die band auf", []),  # the artist and the title are two texts: no match across them
        ("kino москва", []),
        ("\u0301\u0308", []),  # only accents: nothing left to find (not every play)
    ],
)
def test_the_history_search_folds_case_and_accents_in_every_script(
    container: Container, typed: str, found: list[str]
) -> None:
    uid = _world(container, "lis")
    assert _found(container, uid, typed) == found


def test_a_listener_never_finds_another_listeners_plays(container: Container) -> None:
    """Two listeners with the same plays (the same play ids, even) each find their own once, and a listen only one
    of them has is found by that one alone."""
    mine, theirs = _world(container, "mine"), _world(container, "theirs")
    with transaction(container.sessions) as s:
        submit_listens(
            s, user_id=theirs, listens=[ListenIn(listened_at=NOW - timedelta(days=1), artist_name="Só Deles",
            track_name="Canção Secreta")], source="listenbrainz", now=NOW,
        )  # fmt: skip
    assert _found(container, mine, "cancao") == [] and _found(container, theirs, "cancao") == ["Canção Secreta"]
    for uid in (mine, theirs):
        assert _found(container, uid, "beyonce") == ["Halo"]
        assert _found(container, uid, "zoe") == ["Ночной Экспресс", "Ἄστρα Σιωπῆς"]
        assert _found(container, uid, "москва") == ["Москва Ночью"]


def test_imported_listens_with_no_catalogue_match_are_found_folded(container: Container, tmp_path: Path) -> None:
    """A Spotify file's listens, none of them in the catalogue, written hidden and published by the import."""
    with transaction(container.sessions) as s:
        uid = create_user(s, username="importer", password="importer-pass-1").id
    rows = [
        {"ts": f"2024-03-0{i + 1}T10:00:00Z", "ms_played": 200_000, "master_metadata_track_name": title,
         "master_metadata_album_artist_name": artist, "master_metadata_album_album_name": "Álbum"}
        for i, (title, artist) in enumerate([("Straßenbahn", "Björk"), ("Ψυχή", "ΣΩΚΡΆΤΗΣ"), ("Ёлка", "Дом")])
    ]  # fmt: skip
    path = tmp_path / "Streaming_History_Audio_2024.json"
    path.write_text(json.dumps(rows))
    import_history(container.sessions, user_id=uid, path=path, name=path.name, now=NOW)
    assert _found(container, uid, "STRASSENBAHN") == ["Straßenbahn"]
    assert _found(container, uid, "bjork") == ["Straßenbahn"]
    assert _found(container, uid, "σωκρατης") == ["Ψυχή"]
    assert _found(container, uid, "ψυχη") == ["Ψυχή"]
    assert _found(container, uid, "елка") == ["Ёлка"]  # "ё" is "е" with its diaeresis off
    assert _found(container, uid, "álbum") == []  # the release is not searched (nor was it before)
    with transaction(container.sessions) as s:
        stored = set(s.scalars(select(Play.search_text).where(Play.user_id == uid)))
    assert stored == {"bjork\x1fstrassenbahn", "σωκρατησ\x1fψυχη", "дом\x1fелка"}


def test_a_renamed_track_is_found_by_its_new_name_and_a_listen_by_the_text_it_kept(container: Container) -> None:
    """A label renames its track: a player's plays of it are found by the new title (folded) and no longer by the
    old one; a listen matched to it keeps the text it was submitted with and is still found by that."""
    with transaction(container.sessions) as s:
        uid = create_user(s, username="renamed", password="listener-pass-1").id
        label = f.label(s, "Ours")
        band = f.artist(s, "Ours Band")
        track = f.track(s, "Old Title", f.album(s, "Ours LP", band, on=label), [band])
        track_id, public_id, label_id = track.id, track.public_id, label.id
        _heard(s, uid, track_id, 0)
        submit_listens(
            s, user_id=uid, listens=[ListenIn(listened_at=T0, artist_name="Ours Band", track_name="Old Title")],
            source="listenbrainz", now=NOW,
        )  # fmt: skip
        assert s.scalar(select(Play.track_id).where(Play.track_name == "Old Title")) == track_id  # matched
    with transaction(container.sessions) as s:
        edit_metadata(
            s, label_id=label_id, kind="track", item_id=public_id, changes={"title": " Nuit d'ÉTÉ "},
            today=date(2026, 6, 1),
        )  # fmt: skip
    with transaction(container.sessions) as s:
        assert s.scalar(select(Track.title_folded).where(Track.id == track_id)) == "nuit d'ete"
        by_new = history.browse_history(s, user_id=uid, flt=HistoryFilter(text="nuit d'ete"), cursor=None, limit=9)
        by_old = history.browse_history(s, user_id=uid, flt=HistoryFilter(text="old title"), cursor=None, limit=9)
    assert sorted((r.track_id, r.track_name or "") for r in by_new.rows) == [(track_id, ""), (track_id, "Old Title")]
    assert [(r.track_id, r.track_name) for r in by_old.rows] == [(track_id, "Old Title")]


def test_rows_written_outside_the_objects_get_their_folded_text(container: Container) -> None:
    """A bulk insert of tracks or plays (the demo's, a benchmark's) derives the folded columns per row, as the
    objects and the raw insert of listens do."""
    with transaction(container.sessions) as s:
        uid = create_user(s, username="bulk", password="listener-pass-1").id
        band = f.artist(s, "Band")
        album = f.album(s, "Album", band)
        s.execute(insert(Track), [
            {"public_id": f"bulk{i:018d}", "album_id": album.id, "title": title, "duration_ms": 1, "audio_hash": title}
            for i, title in enumerate(("Çà Et Là", "Ἥλιος"))
        ])  # fmt: skip
        s.execute(insert(Play), [
            {"user_id": uid, "client_play_id": f"bulk-{i}", "started_at": T0, "updated_at": T0, "artist_name": artist,
             "track_name": title}
            for i, (artist, title) in enumerate((("Ærø", "Fjörd"), (None, None)))
        ])  # fmt: skip
        s.add(Play(user_id=uid, client_play_id="orm", started_at=T0, updated_at=T0, track_name="ÖRM"))
        s.flush()
        assert dict(s.execute(select(Track.title, Track.title_folded).where(Track.album_id == album.id)).all()) == {
            "Çà Et Là": "ca et la",
            "Ἥλιος": "ηλιοσ",
        }
        assert dict(s.execute(select(Play.client_play_id, Play.search_text)).all()) == {
            "bulk-0": "ærø\x1ffjord",
            "bulk-1": None,
            "orm": "\x1form",
        }
