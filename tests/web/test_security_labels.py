"""Every kind of security event has words on the account page's security log and the admin's audit log
(static/security.js LABELS): sixteen kinds showed there as raw codes such as "admin.premium_revoked" (probe25a
L2). Read from both files, so a kind added to audit/_kinds.py without its label fails here."""

import re
from pathlib import Path

from encore.audit import _kinds

SECURITY_JS = Path(__file__).parents[2] / "src/encore/web/static/security.js"


def _kinds_declared() -> set[str]:
    return {v for k, v in vars(_kinds).items() if k.isupper() and isinstance(v, str)}


def _labelled() -> dict[str, str]:
    block = re.search(r"const LABELS = \{(.*?)\n\};", SECURITY_JS.read_text(), re.S)
    assert block is not None, "security.js has no LABELS table"
    return dict(re.findall(r'"([a-z_.]+)":\s*"([^"]+)"', block.group(1)))


def test_every_audit_kind_has_a_label() -> None:
    kinds = _kinds_declared()
    assert len(kinds) >= 40 and "admin.premium_revoked" in kinds  # the module was read, constants and all
    assert sorted(kinds - set(_labelled())) == []


def test_labels_are_words_and_name_only_real_kinds() -> None:
    labels = _labelled()
    assert sorted(set(labels) - _kinds_declared()) == []  # a label for a kind that is never written is a typo
    assert all(text[0].isupper() and "." not in text.split()[0] for text in labels.values())
