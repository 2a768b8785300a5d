"""The site's {% url %} (cityhall/templatetags/urls.py): what Django's gives, remembered only
where that cannot go stale."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse, set_script_prefix

from cityhall.templatetags.urls import RememberedURLNode

pytestmark = pytest.mark.django_db


def render(source: str, request=None, **context) -> str:
    return engines["django"].from_string(source).render(context, request)


def test_the_sites_templates_use_the_remembered_tag():
    template = engines["django"].from_string("{% url 'knowledge:tag' 'x' %}")
    assert isinstance(template.template.nodelist[0], RememberedURLNode)


def test_plain_arguments_give_what_reverse_gives_quoted_and_escaped():
    assert render("{% url 'knowledge:tag' slug %}", slug="差押え") == reverse(
        "knowledge:tag", args=["差押え"]
    )
    assert render("{% url 'groups:topic' 'saiken' 7 %}") == reverse(
        "groups:topic", args=["saiken", 7]
    )
    assert render("{% url 'knowledge:tag' slug as link %}[{{ link }}]", slug="a&b") == (
        "[" + reverse("knowledge:tag", args=["a&b"]).replace("&", "&amp;") + "]"
    )


def test_a_link_follows_the_script_prefix():
    plain = render("{% url 'groups:detail' 'saiken' %}")
    set_script_prefix("/cityhall/")
    try:
        assert render("{% url 'groups:detail' 'saiken' %}") == "/cityhall" + plain
    finally:
        set_script_prefix("/")
    assert render("{% url 'groups:detail' 'saiken' %}") == plain


def test_an_object_argument_is_reversed_each_time_from_its_text_now():
    class Named:
        def __init__(self, text):
            self.text = text

        def __str__(self):
            return self.text

        def __hash__(self):
            return 1

        def __eq__(self, other):
            return True  # equal to any other: a remembered link would be reused

    assert render("{% url 'groups:detail' g %}", g=Named("first")) == "/groups/first/"
    assert render("{% url 'groups:detail' g %}", g=Named("second")) == "/groups/second/"


def test_true_is_not_taken_for_one():
    assert render("{% url 'groups:detail' g %}", g=1) == "/groups/1/"
    assert render("{% url 'groups:detail' g %}", g=True) == "/groups/True/"


def test_links_are_remembered_for_literals_and_plain_values():
    from cityhall.links import _reversed

    _reversed.cache_clear()
    for _ in range(3):
        render("{% url 'groups:topic' 'saiken' n %}", n=7)
    assert _reversed.cache_info().hits == 2


def test_a_missing_link_raises_unless_it_is_kept_as_a_variable():
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-view' 'x' %}")
    assert render("{% url 'no-such-view' 'x' as link %}[{{ link }}]") == "[]"


def test_the_current_app_is_asked_as_django_asks_it():
    request = RequestFactory().get("/")
    request.current_app = "admin"
    assert render("{% url 'admin:index' %}", request=request) == reverse("admin:index")
