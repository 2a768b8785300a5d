"""Widgets render exactly as Django's own templates render them (cityhall.renderers): only the
includes inside the templates are written out."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from cityhall.renderers import FlatWidgetTemplates

CHOICES = [("a", "申請 <a>"), ("b", "届出 & 報告"), ("グループ", [("c", "三"), ("d", '"四"')])]
ATTRS = {"class": "x", "required": True, "disabled": False, "data-note": '"引用" <b>&'}
WIDGETS = [
    forms.TextInput(ATTRS), forms.TextInput({"type": "search", "autocomplete": "off"}),
    forms.NumberInput(ATTRS), forms.EmailInput(ATTRS), forms.URLInput(ATTRS),
    forms.PasswordInput(ATTRS, render_value=True), forms.HiddenInput(ATTRS),
    forms.DateInput({"type": "date"}, format="%Y-%m-%d"), forms.DateTimeInput(ATTRS),
    forms.TimeInput(ATTRS), forms.CheckboxInput(ATTRS), forms.Textarea(ATTRS),
    forms.Select(ATTRS, choices=CHOICES), forms.SelectMultiple(ATTRS, choices=CHOICES),
    forms.CheckboxSelectMultiple({"id": "id_kind"}, choices=CHOICES),
    forms.RadioSelect({"id": "id_pick"}, choices=CHOICES), forms.FileInput(ATTRS),
    forms.ClearableFileInput(ATTRS), forms.NullBooleanSelect(ATTRS),
]  # fmt: skip
VALUES = [None, "", "b", ["a", "d"], "値 <script>&", True, False, 3]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda w: type(w).__name__)
def test_every_widget_renders_as_djangos_templates_render_it(widget):
    stock, flat = DjangoTemplates(), FlatWidgetTemplates()
    for value in VALUES:
        if isinstance(value, list) and not getattr(widget, "allow_multiple_selected", False):
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
