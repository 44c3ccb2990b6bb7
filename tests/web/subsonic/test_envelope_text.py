"""What no UTF-8 text can hold still makes a Subsonic answer (a lone surrogate would raise while encoding)."""

import json

import pytest

from encore.web.subsonic._envelope import render


@pytest.mark.parametrize("value", ["a\ud800b", "\udfff"])
def test_a_lone_surrogate_is_escaped_in_json_and_replaced_in_xml(value: str) -> None:
    body = {"status": "ok", "playlist": {"name": value, "big": 2**70}}  # 2**70: orjson refuses it too
    answer = render(body, fmt="json", callback=None)
    assert answer.status_code == 200
    assert json.loads(answer.body)["subsonic-response"]["playlist"] == {"name": value, "big": 2**70}
    xml = render(body, fmt="xml", callback=None)
    assert xml.status_code == 200 and xml.body.decode("utf-8").count("?") >= 1
    jsonp = render(body, fmt="jsonp", callback="cb")
    assert jsonp.body.startswith(b"cb(") and jsonp.body.isascii()


@pytest.mark.parametrize("value", ["Sneaky \uffff EP", "a\ufffeb", "bell\x07", "a\ud800b", "tab\tok"])
def test_what_xml_cannot_carry_is_dropped_so_the_answer_parses(value: str) -> None:
    """A label titled a release "Sneaky \\uffff EP": every XML list naming it stopped parsing, for every user."""
    from xml.etree import ElementTree

    body = {"status": "ok", "albumList2": {"album": [{"id": "al-1", "name": value}, {"id": "al-2", "name": "Fine"}]}}
    root = ElementTree.fromstring(render(body, fmt="xml", callback=None).body)
    names = [e.get("name") for e in root.iter() if e.get("name") is not None]
    kept = "".join(ch for ch in value if ch == "\t" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) < 0xFFFE)
    assert names == [kept, "Fine"]
