"""``{% field form.name %}``: a form field as every form of the site shows it (its label, the
widget, the help text and the errors, each tied to the field for screen readers). It was an
included template (includes/field.html): about 0.07 ms a field besides the widget itself, a
millisecond of the profile form's fifteen fields. A builtin of the site's templates
(settings.TEMPLATES). The label, help text and errors are escaped unless marked safe, as
``{{ }}`` does."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from cityhall.translating import gettext

register = template.Library()


@register.simple_tag
def field(bound):
    widget = bound.field.widget
    label, target = conditional_escape(bound.label), conditional_escape(bound.id_for_label)
    checkbox = getattr(widget, "input_type", None) == "checkbox"
    many = getattr(widget, "allow_multiple_selected", False)
    if checkbox and not many:
        shown = f'{bound} <label for="{target}">{label}</label>'
    elif checkbox:
        shown = f'<fieldset class="choices"><legend>{label}</legend>{bound}</fieldset>'
    else:
        shown = f'<label for="{target}">{label}{_required(bound)}</label>\n    {bound}'
    errors = bound.errors
    return mark_safe(  # noqa: S308 (every value above and below is escaped or made here)
        f'<div class="field{" field--error" if errors else ""}">\n    {shown}\n'
        f"{_help(bound)}{_errors(bound, errors)}</div>"
    )


def _required(bound) -> str:
    if not bound.field.required:
        return ""
    label = gettext("(必須)")
    return f' <span class="required">{conditional_escape(label)}</span>'


def _help(bound) -> str:
    if not bound.help_text:
        return ""
    auto_id, text = conditional_escape(bound.auto_id), conditional_escape(bound.help_text)
    return f'  <p class="help" id="{auto_id}_helptext">{text}</p>\n'


def _errors(bound, errors) -> str:
    if not errors:
        return ""
    auto_id = conditional_escape(bound.auto_id)
    written = "".join(
        f'<p class="error" id="{auto_id}_error{number}">{conditional_escape(error)}</p>'
        for number, error in enumerate(errors, start=1)
    )
    return f"  {written}\n"
