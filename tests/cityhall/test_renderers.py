"""Widgets render exactly as Django's own templates render them (cityhall.renderers): the common
ones written in Python, the others with their includes written out."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cityhall.forms import PlainSelect
from cityhall.renderers import FlatWidgetTemplates

CHOICES = [
    ("a", "申請 <a>"),
    ("b", "届出 & 報告"),
    ("グループ", [("c", "三"), ("d", '"四"')]),
    (7, 1234),
    ("e", gettext_lazy("検索")),
    (mark_safe("<f>"), mark_safe("<i>安全</i>")),
]
ATTRS = {
    "class": "x",
    "required": True,
    "disabled": False,
    "data-note": '"引用" <b>&',
    "data-safe": mark_safe("<q>"),
    "data-pair": (1, "二"),
    "maxlength": 20,
}


class _Files(forms.ClearableFileInput):
    allow_multiple_selected = True


class _File:
    """A stored file as a clearable file input shows it (a link to it)."""

    url = "/media/avatars/a&b.png"

    def __str__(self):
        return "a&b <i>.png"


WIDGETS = [
    forms.TextInput(ATTRS), forms.TextInput({"type": "search", "autocomplete": "off"}),
    forms.NumberInput(ATTRS), forms.EmailInput(ATTRS), forms.URLInput(ATTRS),
    forms.PasswordInput(ATTRS, render_value=True), forms.HiddenInput(ATTRS),
    forms.DateInput({"type": "date"}, format="%Y-%m-%d"), forms.DateTimeInput(ATTRS),
    forms.TimeInput(ATTRS), forms.CheckboxInput(ATTRS), forms.Textarea(ATTRS),
    forms.Select(ATTRS, choices=CHOICES), forms.SelectMultiple(ATTRS, choices=CHOICES),
    forms.CheckboxSelectMultiple({"id": "id_kind"}, choices=CHOICES),
    forms.RadioSelect({"id": "id_pick"}, choices=CHOICES), forms.FileInput(ATTRS),
    forms.ClearableFileInput(ATTRS), _Files({"data-x": "1"}),
    forms.NullBooleanSelect(ATTRS),
    forms.CheckboxSelectMultiple({"class": "choices"}, choices=CHOICES), forms.RadioSelect(),
    forms.SplitDateTimeWidget(ATTRS), forms.SelectDateWidget(ATTRS, years=[2026, 2027]),
]  # fmt: skip


VALUES = [None, "", "b", ["a", "d"], "値 <script>&", True, False, 3, mark_safe("<f>"), 7, (1, 2),
          _File()]  # fmt: skip


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
def test_every_widget_renders_as_djangos_templates_render_it(widget):
    stock, flat = DjangoTemplates(), FlatWidgetTemplates()
    for value in VALUES:
        if isinstance(value, list) and not getattr(widget, "allow_multiple_selected", False):
            continue
        if isinstance(widget, forms.MultiWidget) and not isinstance(value, list | None):
            continue
        expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=stock)
        assert widget.render("field", value, attrs={"id": "id_field"}, renderer=flat) == expected


def test_the_site_renders_forms_with_the_flat_templates(settings):
    from django.forms.renderers import get_default_renderer

    get_default_renderer.cache_clear()
    try:
        assert isinstance(get_default_renderer(), FlatWidgetTemplates)
    finally:
        get_default_renderer.cache_clear()


class OwnOptions(forms.CheckboxSelectMultiple):
    option_template_name = "django/forms/widgets/input.html"  # the input without its label


def test_a_widget_with_its_own_option_template_keeps_it():
    widget = OwnOptions({"id": "id_kind"}, choices=CHOICES)
    expected = widget.render("field", ["a"], renderer=DjangoTemplates())
    assert "<label for=" not in expected
    assert widget.render("field", ["a"], renderer=FlatWidgetTemplates()) == expected


PLAIN_CHOICES = [choice for choice in CHOICES if not isinstance(choice[1], list)]


@pytest.mark.parametrize("choices", [PLAIN_CHOICES, [(None, "すべて"), *PLAIN_CHOICES], CHOICES])
def test_a_plain_select_writes_what_djangos_select_writes(choices):
    stock = DjangoTemplates()
    for attrs in ({"id": "id_field"}, {**ATTRS, "id": "id_x"}, None):
        for value in [*VALUES, "a", "e", "<f>"]:
            if isinstance(value, list):
                continue
            expected = forms.Select(choices=choices).render("field", value, attrs, stock)
            assert PlainSelect(choices=choices).render("field", value, attrs) == expected


def test_the_directorys_field_of_work_is_a_plain_select():
    from members.forms import MemberSearchForm

    assert isinstance(MemberSearchForm().fields["work_field"].widget, PlainSelect)
