from encore.kernel import PUBLIC_ID_RE, is_public_id, new_public_id


def test_public_ids_are_22_base62_and_distinct() -> None:
    ids = {new_public_id() for _ in range(2000)}
    assert len(ids) == 2000
    assert all(PUBLIC_ID_RE.fullmatch(i) for i in ids)


def test_is_public_id_rejects_wrong_shapes() -> None:
    assert not is_public_id("short")
    assert not is_public_id("a" * 21 + "-")
    assert not is_public_id("../../etc/passwd/aaaaaa")
    assert is_public_id("0123456789abcdefABCDEF")
