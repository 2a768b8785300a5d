"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

from cityhall.params import int_param


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
