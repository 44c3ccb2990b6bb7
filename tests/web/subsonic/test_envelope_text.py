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
