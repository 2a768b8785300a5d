"""The fragments' cache (cityhall.fragments.FragmentCache): Django's in-process cache, with text
kept as it is; everything else still comes back as a copy, and expiry, versions and the
entry limit work as Django's."""

from django.utils.safestring import SafeString, mark_safe

from cityhall import fragments
from cityhall.fragments import FragmentCache


def _cache(name: str, **options) -> FragmentCache:
    cache = FragmentCache(name, {"OPTIONS": options})
    cache.clear()
    return cache


def test_the_site_keeps_its_fragments_in_it():
    assert isinstance(fragments.cache(), FragmentCache)


def test_text_comes_back_as_it_was_kept():
    cache = _cache("fragments-test-text")
    cache.set_many({"post:1": "<p>差押えの順序</p>", "post:2": mark_safe("<p>返信</p>")})

    found = cache.get_many(["post:1", "post:2", "post:3"])

    assert found == {"post:1": "<p>差押えの順序</p>", "post:2": "<p>返信</p>"}
    assert isinstance(found["post:2"], SafeString)
    assert cache.get("post:3", "なし") == "なし"


def test_a_reader_changing_a_list_it_got_changes_nobody_elses():
    cache = _cache("fragments-test-copies")
    cache.set("counts", [("2026-12", 3)])

    cache.get("counts").append(("2027-01", 9))

    assert cache.get("counts") == [("2026-12", 3)]


def test_expired_entries_and_other_versions_are_not_found():
    cache = _cache("fragments-test-expiry")
    cache.set("gone", "古い", timeout=0)
    cache.set("kept", "新しい", version=2)

    assert cache.get("gone") is None
    assert cache.get("kept") is None
    assert cache.get("kept", version=2) == "新しい"


def test_the_oldest_entries_give_way_at_the_limit():
    cache = _cache("fragments-test-limit", MAX_ENTRIES=4, CULL_FREQUENCY=2)
    for number in range(6):
        cache.set(f"post:{number}", f"<p>{number}</p>")

    assert len(cache.get_many([f"post:{number}" for number in range(6)])) <= 4
    assert cache.get("post:5") == "<p>5</p>"
