"""Form fields shared by the apps."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.utils.safestring import mark_safe

from cityhall import renderers
from cityhall.params import int_param
from cityhall.text import blank


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField whose submitted ids are read with ``int_param`` first: an id
    such as '²' or one past 64 bits is an invalid choice, not a database error (SQLite
    overflows on it in the ``__in`` query)."""

    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else []:
            if int_param(str(item), minimum=1) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)


class IdsAutocompleteSelect(AutocompleteSelect):
    """The admin's autocomplete widget, re-shown after a refused form, looks its submitted ids
    up unchecked; an id such as '²' was a ValueError (a 500). Odd ones are left out."""

    def optgroups(self, name, value, attr=None):
        value = [item for item in value if int_param(str(item), minimum=1) is not None]
        return super().optgroups(name, value, attr)


class IdsAdminMixin:
    """For a ModelAdmin: odd ids in its relation fields are form errors, never a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and type(field.widget) is AutocompleteSelect:
            field.widget.__class__ = IdsAutocompleteSelect
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", IdsChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class VisibleTextField(forms.CharField):
    """A CharField for which text that shows nothing (zero-width spaces alone, say) is empty:
    a required one refuses it rather than saving a post nobody can see."""

    def to_python(self, value):
        value = super().to_python(value)
        return self.empty_value if isinstance(value, str) and blank(value) else value


class LineField(VisibleTextField):
    """A VisibleTextField of one line (a title, a mail's subject): line breaks, which only a
    hand-made request sends, become spaces."""

    def to_python(self, value):
        value = super().to_python(value)
        return " ".join(value.splitlines()) if isinstance(value, str) else value


class PlainSelect(forms.Select):
    """A <select> of one value among plain choices, written as Django's template writes it
    (cityhall.renderers) but without ChoiceWidget's dict of attributes for every option: the
    directory's 30 fields of work, 0.39 -> 0.1 ms. Groups of choices, or several values, go
    Django's way; the form renderer is not asked (the site's own, FlatWidgetTemplates, writes
    a select with the same function)."""

    def render(self, name, value, attrs=None, renderer=None):
        choices = [choice for choice in self.choices]  # not list(): a model field's would count
        if self.allow_multiple_selected or any(
            isinstance(label, list | tuple) for _value, label in choices
        ):
            return super().render(name, value, attrs, renderer)
        wanted, chosen, options = set(self.format_value(value)), False, []
        for option_value, label in choices:
            option_value = "" if option_value is None else option_value
            selected = not chosen and str(option_value) in wanted
            chosen |= selected
            attributes = dict(self.checked_attribute) if selected else {}
            options.append({"value": option_value, "label": label, "attrs": attributes})
        widget = {"name": name, "attrs": self.build_attrs(self.attrs, attrs),
                  "optgroups": [(None, options, 0)]}  # fmt: skip
        return mark_safe(renderers.select(widget).strip())  # noqa: S308 (renderers escapes)
