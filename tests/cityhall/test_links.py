"""Links made without a reverse() each: link_maker (one reverse for a list of ids) and
reversed_once (remembered per process), both giving what reverse() gives."""

from django.urls import reverse, set_script_prefix

from cityhall.links import link_maker, reversed_once


def test_a_link_maker_gives_what_reverse_gives():
    topic = link_maker("groups:topic", "saiken")
    assert [topic(pk) for pk in (1, 42)] == [
        reverse("groups:topic", args=["saiken", pk]) for pk in (1, 42)
    ]


def test_a_link_reversed_once_is_quoted_as_reverse_quotes_it():
    assert reversed_once("knowledge:tag", "差押え") == reverse("knowledge:tag", args=["差押え"])
    assert "%E5%B7%AE" in reversed_once("knowledge:tag", "差押え")


def test_a_link_reversed_once_follows_the_script_prefix():
    plain = reversed_once("groups:detail", "saiken")
    set_script_prefix("/cityhall/")
    try:
        assert reversed_once("groups:detail", "saiken") == "/cityhall" + plain
    finally:
        set_script_prefix("/")
    assert reversed_once("groups:detail", "saiken") == plain


def test_a_link_maker_follows_the_script_prefix():
    plain = link_maker("groups:topic", "saiken")(7)
    set_script_prefix("/cityhall/")
    try:
        assert link_maker("groups:topic", "saiken")(7) == "/cityhall" + plain
    finally:
        set_script_prefix("/")
    assert (
        link_maker("groups:topic", "saiken")(7)
        == plain
        == reverse("groups:topic", args=["saiken", 7])
    )
