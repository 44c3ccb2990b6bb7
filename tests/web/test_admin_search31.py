"""Review31a: the admin's account search given a NUL (`?q=%00`) listed every account on SQLite, whose LIKE ends the
pattern at the NUL, and was a bare 400 on PostgreSQL, whose text cannot hold NUL. It is a clear 422 on both
(`client` runs on SQLite and PostgreSQL): no name holds a NUL, so no search with one can find anyone."""

import pytest
from fastapi.testclient import TestClient

from encore.accounts import Role, create_user
from encore.bootstrap import Container
from encore.db import transaction
from tests.web.conftest import PASSWORD, login


@pytest.mark.parametrize("q", ["\x00", "mara\x00", "\x00%"])
def test_a_nul_in_the_admin_search_is_a_clear_422(client: TestClient, container: Container, q: str) -> None:
    with transaction(container.sessions) as s:
        create_user(s, username="root", password=PASSWORD, role=Role.ADMIN)
        create_user(s, username="mara", password=PASSWORD, display_name="Mara K.")
    login(client, "root")
    found = client.get("/api/admin/users", params={"q": q})
    assert found.status_code == 422, found.text  # was 200 and every account (SQLite), 400 (PostgreSQL)
    assert found.json()["error"]["message"] == "Search cannot hold a NUL character (U+0000): no name holds one."
    assert [u["username"] for u in client.get("/api/admin/users", params={"q": "mara"}).json()["items"]] == ["mara"]
