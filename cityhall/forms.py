"""Form fields shared by the apps."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError

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
