"""Fixed translations written into templates once per language (cityhall.template_loaders)
change nothing in what a page shows, in either language."""

import pytest
from django.template import Context, engines
from django.template.engine import Engine
from django.utils import translation

LOCMEM = "django.template.loaders.locmem.Loader"
TEMPLATES = {
    "base.html": (
        '{% load i18n %}<title>{% translate "オンライン市役所" %}</title>'
        "{% block content %}{% endblock %}"
    ),
    "page.html": """{% extends "base.html" %}{% load i18n %}{% block content %}
<p>{% translate "検索" %} {% translate '割合 100%% <b>&' %} {% translate "未訳の文 <i>" %}</p>
{% if show %}<b>{% translate "検索" %}</b>{% else %}{% translate "オンライン市役所" %}{% endif %}
{% for item in items %}{% translate "検索" %}{{ item }}{% empty %}{% translate "検索" %}{% endfor %}
{% translate word %} {% translate "検索"|upper %} {% translate "検索" as label %}[{{ label }}]
{% translate "検索" noop %} {% translate "検索" context "ボタン" %}
{% language "en" %}{% translate "オンライン市役所" %}{% endlanguage %}
{% autoescape off %}{% translate "未訳の文 <i>" %}{% endautoescape %}
{% include "part.html" %}{% endblock %}""",
    "part.html": '{% load i18n %}<footer>{% translate "オンライン市役所" %}</footer>',
}


def _engine(folding: bool) -> Engine:
    loader = (LOCMEM, TEMPLATES)
    if folding:
        loader = ("cityhall.template_loaders.Loader", [loader])
    return Engine(loaders=[loader], libraries={"i18n": "django.templatetags.i18n"})


@pytest.mark.parametrize("show", [True, False])
def test_pages_read_the_same_with_their_translations_written_in(show):
    folding, plain = _engine(True), _engine(False)
    context = {"show": show, "items": ["一", "<二>"], "word": "検索"}
    for language in ["ja", "en", "ja"]:
        with translation.override(language):
            expected = plain.get_template("page.html").render(Context(context))
            assert folding.get_template("page.html").render(Context(context)) == expected
    with translation.override("en"):
        english = folding.get_template("page.html").render(Context(context))
    assert "<title>Online City Hall</title>" in english and "<footer>Online City Hall" in english
    assert "<p>Search " in english


def test_a_template_is_written_in_once_per_language():
    folding = _engine(True)
    with translation.override("ja"):
        japanese = folding.get_template("part.html")
    with translation.override("en"):
        english = folding.get_template("part.html")
        assert english.render(Context()) == "<footer>Online City Hall</footer>"
        assert japanese is not english
    with translation.override("ja"):
        assert folding.get_template("part.html") is japanese
        assert japanese.render(Context()) == "<footer>オンライン市役所</footer>"


def test_the_site_writes_its_translations_in(client, member_client):
    loaders = engines["django"].engine.template_loaders
    assert [type(loader).__module__ for loader in loaders] == ["cityhall.template_loaders"]
    assert "本文へ移動" in member_client.get("/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    english = member_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "本文へ移動" not in english and "Online City Hall" in english
