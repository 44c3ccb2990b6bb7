"""Session 29's note, through py-sonic on SQLite and PostgreSQL (the `site` fixture runs this module on both): a
display name that reads as a login by look-alike letters of another script ("d\u0435mo" with a Cyrillic "\u0435")
stood untagged as a playlist's `owner`, where a client compares the owner with its own login, and a tag written in
look-alike letters ("(\u0410b12)") passed as none. A name written in another script stays as typed."""

from tests.web.subsonic.conftest import Site
from tests.web.subsonic.test_names27 import _named, _owners, _public_list, _py_sonic


def test_a_name_that_reads_as_a_login_is_tagged_and_one_in_another_script_is_not(site: Site) -> None:
    names = {
        "mallory30a": "l\u0456stener",  # site.me's login, with a Cyrillic i
        "mallory30b": "Mara (\u0410b12)",  # a tag in Cyrillic A
        "mallory30c": "\u041c\u0430\u0440\u0438\u044f",  # Мария: a name of its own, in Cyrillic
    }
    made = {}
    for login, name in names.items():
        public_id, password = _named(site, login, name)
        app = _py_sonic(site, login, password)
        made[login] = (app, _public_list(site, app, (login, password), f"{login}'s list"), public_id)
    try:
        owners = _owners(_py_sonic(site, site.me.username, site.me.app_password))
        for login, (_, listed, public_id) in made.items():
            shown = names[login]
            expected = shown if login == "mallory30c" else f"{shown} ({public_id[:4]})"
            assert owners[listed] == (expected, True), (login, owners[listed])  # was untagged
    finally:
        for app, listed, _ in made.values():
            app.deletePlaylist(listed)
