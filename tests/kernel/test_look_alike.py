"""The look-alike reading (UTS #39's confusable skeleton) that display names (accounts) and labels (catalog) are
compared by."""

from encore.kernel import look_alikes, skeleton


def test_the_reading_is_the_confusable_skeleton_whatever_the_case() -> None:
    """The skeleton reads "\u0430" as "a" and "1" as "l" (confusables.txt); a capital is read before its case is
    folded (Greek capital Beta reads "B", its small letter no "b") and after (Cherokee small a reads "a")."""
    assert skeleton("\u0430dmin") == skeleton("admin")
    assert skeleton("Ab12") == "Abl2"
    assert "ab" in look_alikes("A\u0392") and "b" not in look_alikes("\u03b2")
    assert "a" in look_alikes("\uab7a")
