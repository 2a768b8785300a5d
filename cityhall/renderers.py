"""Form widgets rendered as Django's own templates render them, with less work.

The common widgets (inputs, selects, lists of checkboxes or radio buttons, text areas) are
written in Python here: through the templates, each option of a list is an include, a context
push and a dozen variable lookups, and the fields of the profile form took 10 ms of its page's
18 (a timer on every template, bench/pages.py's database). The output is byte for byte that of
Django's templates (tests/cityhall/test_renderers.py compares every widget). Any other widget
uses Django's templates; a widget a multi-widget includes (a date and a time, a date's three
selects) comes from form_templates/, copies that write the includes out."""

import html
from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.functional import cached_property
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData
from django.utils.timezone import template_localtime

FLAT = Path(__file__).resolve().parent / "form_templates"


def _shown(value) -> str:
    """What ``{{ value }}`` writes. Plain text (most values) is escaped as Django escapes it,
    without its lazy-text wrapper and its localizing, which leave text as it is: a form's 27
    checkboxes took 0.7 ms, 0.4 so."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(localize(template_localtime(value)))


def _formatted(value) -> str:
    """What ``{{ value|stringformat:'s' }}`` writes."""
    if type(value) is str:
        return html.escape(value)
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html"""
    return "".join(
        f" {_shown(name)}" + ("" if value is True else f'="{_formatted(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input(widget: dict) -> str:
    value = widget["value"]
    value = "" if value is None else f' value="{_formatted(value)}"'
    kind, name = _shown(widget["type"]), _shown(widget["name"])
    return f'<input type="{kind}" name="{name}"{value}{_attrs(widget["attrs"])}>'


def _input_option(option: dict) -> str:
    if not option["wrap_label"]:
        return _input(option) + "\n"
    target = option["attrs"].get("id")
    label = f'<label for="{_shown(target)}">' if target else "<label>"
    return f"{label}{_input(option)}\n {_shown(option['label'])}</label>"


def _input_options(widget: dict) -> str:
    """checkbox_select.html and radio.html (multiple_input.html)"""
    target, kind = widget["attrs"].get("id"), widget["attrs"].get("class")
    parts = ["<div", f' id="{_shown(target)}"' if target else "",
             f' class="{_shown(kind)}"' if kind else "", ">"]  # fmt: skip
    for group, options, _index in widget["optgroups"]:
        parts.append(f"\n  <div><label>{_shown(group)}</label>" if group else "")
        parts.extend(f"<div>\n    {_input_option(option)}\n\n</div>" for option in options)
        parts.append("\n  </div>" if group else "")
    parts.append("\n</div>")
    return "".join(parts)


def select(widget: dict) -> str:
    """select.html (with select_option.html): also cityhall.forms.PlainSelect's."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        parts.append(f'\n  <optgroup label="{_shown(group)}">' if group else "")
        parts.extend(
            f'\n  <option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
            f"{_shown(option['label'])}</option>\n"
            for option in options
        )
        parts.append("\n  </optgroup>" if group else "")
    parts.append("\n</select>")
    return "".join(parts)


def _textarea(widget: dict) -> str:
    value = _shown(widget["value"]) if widget["value"] else ""
    name = _shown(widget["name"])
    return f'<textarea name="{name}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _clearable_file(widget: dict) -> str | None:
    """clearable_file_input.html with no file yet (a form's attachments), else None (the
    template: a link to the file and a box to clear it)."""
    if widget["is_initial"]:
        return None
    kind, name = _shown(widget["type"]), _shown(widget["name"])
    return f'<input type="{kind}" name="{name}"{_attrs(widget["attrs"])}>'


_INPUTS = ("input", "text", "number", "email", "url", "password", "hidden", "date", "datetime",
           "time", "search", "tel", "color", "file", "checkbox")  # fmt: skip
WRITERS = {
    **{f"django/forms/widgets/{name}.html": _input for name in _INPUTS},
    "django/forms/widgets/checkbox_select.html": _input_options,
    "django/forms/widgets/radio.html": _input_options,
    "django/forms/widgets/select.html": select,
    "django/forms/widgets/textarea.html": _textarea,
    "django/forms/widgets/clearable_file_input.html": _clearable_file,
}


# The option templates the writers and the copies reproduce; a widget naming another
# (Wagtail's workflow content types, say) is rendered by Django's own templates, which include
# its option template.
_STOCK_OPTIONS = {f"django/forms/widgets/{name}_option.html"
                  for name in ("input", "checkbox", "radio", "select")}  # fmt: skip


def _stock_options(widget: dict) -> bool:
    groups = widget.get("optgroups", ())
    return all(option["template_name"] in _STOCK_OPTIONS
               for _group, options, _index in groups for option in options)  # fmt: skip


class FlatWidgetTemplates(DjangoTemplates):
    def render(self, template_name, context, request=None):
        widget = context.get("widget")
        if widget is not None and not _stock_options(widget):
            return _STOCK.render(template_name, context, request)
        write = WRITERS.get(template_name)
        written = write(widget) if write is not None else None
        if written is None:
            return super().render(template_name, context, request)
        return written.strip()

    @cached_property
    def engine(self):
        stock = Path(django.forms.__file__).resolve().parent / "templates"
        return self.backend(
            {"APP_DIRS": True, "DIRS": [FLAT, stock], "NAME": "djangoforms", "OPTIONS": {}}
        )


_STOCK = DjangoTemplates()
