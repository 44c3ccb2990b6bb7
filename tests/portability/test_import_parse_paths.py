"""An upload's JSON array is parsed whole by orjson up to WHOLE_PARSE_BYTES and streamed by ijson past it:
both paths must read the same entries and refuse the same bad files with the same codes."""

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from encore.kernel import ValidationFailed
from encore.portability import _sources, check_history
from encore.portability._sources import iter_entries
from tests.portability.test_import import HOSTILE, SPOTIFY, extended

PATHS = {"whole": _sources.WHOLE_PARSE_BYTES, "streamed": 0}
NOW = datetime(2026, 12, 2, tzinfo=UTC)


@pytest.fixture(params=sorted(PATHS))
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(_sources, "WHOLE_PARSE_BYTES", PATHS[request.param])
    return str(request.param)


def _entries(path: Path) -> list[tuple[str, Any]]:
    return list(iter_entries(path, name=path.name))


@pytest.mark.parametrize("case", sorted(k for k, (_, name, _) in HOSTILE.items() if name == "x.json"))
def test_both_paths_refuse_a_bad_array_with_the_same_code(tmp_path: Path, path_kind: str, case: str) -> None:
    body, name, code = HOSTILE[case]
    path = tmp_path / name
    path.write_bytes(body)
    with pytest.raises(ValidationFailed) as err:
        check_history(path, name=name, now=NOW)
    assert err.value.code == code, (path_kind, err.value)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"\xef\xbb\xbf  \n", "wrong_schema"),  # a BOM and blanks, then nothing
        (b'  [{"ts": "2023-05-01T10:03:20Z"}] trailing', "malformed_json"),
        (b"[" + b"[" * 5000 + b"]" * 5000 + b"]", None),  # deep nesting: refused (orjson stops at 1,024 levels)
        (b'[{"ts": "2023-05-01T10:03:20Z", "ms_played": 1e999}]', None),  # None: malformed_json or wrong_schema
    ],
)
def test_both_paths_refuse_odd_arrays(tmp_path: Path, path_kind: str, body: bytes, code: str | None) -> None:
    path = tmp_path / "Streaming_History_Audio_x.json"
    path.write_bytes(body)
    with pytest.raises(ValidationFailed) as err:
        check_history(path, name=path.name, now=NOW)
    assert err.value.code in ({code} if code else {"malformed_json", "wrong_schema"}), (path_kind, err.value)


def test_both_paths_read_the_same_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [*SPOTIFY, extended("2023-05-02T10:00:00Z", track="Émilie — “quoted” \\ \u2028 😀", ms=31_000.5)]
    path = tmp_path / "Streaming_History_Audio_2023.json"
    path.write_bytes(b"\xef\xbb\xbf \r\n" + json.dumps(rows, indent=1).encode())
    whole = _entries(path)
    monkeypatch.setattr(_sources, "WHOLE_PARSE_BYTES", 0)
    streamed = _entries(path)
    assert whole == streamed and [item for _, item in whole] == rows
    assert [where for where, _ in whole][-1] == f"{path.name} entry {len(rows)}"


def test_many_tiny_values_under_the_size_limit_are_streamed_not_parsed_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small hostile file of millions of `{}` would cost ~70 bytes a value parsed whole: past the separator limit
    it takes the streaming path (flat memory) and is refused at its first entry as the whole path would."""
    monkeypatch.setattr(_sources, "WHOLE_PARSE_MAX_COMMAS", 100)
    whole_calls: list[int] = []
    real_whole = _sources._whole
    monkeypatch.setattr(_sources, "_whole", lambda data, name: (whole_calls.append(1), real_whole(data, name))[1])
    path = tmp_path / "Streaming_History_Audio_x.json"
    path.write_bytes(b"[" + b",".join([b"{}"] * 1000) + b"]")
    with pytest.raises(ValidationFailed) as streamed:
        check_history(path, name=path.name, now=NOW)
    assert whole_calls == []
    monkeypatch.setattr(_sources, "WHOLE_PARSE_MAX_COMMAS", 10**6)
    with pytest.raises(ValidationFailed) as whole:
        check_history(path, name=path.name, now=NOW)
    assert whole_calls == [1] and whole.value.code == streamed.value.code


@pytest.mark.parametrize("depth", [1_100, 30_000])
def test_a_deeply_nested_json_line_is_malformed_json_with_its_line(tmp_path: Path, depth: int) -> None:
    """probe16 F10: `json` recursed once per level and a 60 KB line of `[` raised RecursionError (the job's
    "internal", retried three times); it is refused as the .json path refuses the same nesting."""
    path = tmp_path / "listens.jsonl"
    good = json.dumps({"listened_at": 1_700_000_000, "track_metadata": {"artist_name": "A", "track_name": "B"}})
    path.write_bytes(good.encode() + b"\n" + b"[" * depth + b"]" * depth + b"\n")
    with pytest.raises(ValidationFailed) as err:
        check_history(path, name="listens.jsonl", now=NOW)
    assert err.value.code == "malformed_json" and "listens.jsonl line 2" in err.value.message
