"""Form widgets rendered with Django's own templates, less the includes inside them.

Django's widget templates include one another (a checkbox of a list: the list's option, which
includes the input, which includes its attributes): a dozen template lookups and context
pushes for one field, about a third of a small form page's render time (cProfile). The copies
in form_templates/ write those includes out and are otherwise Django's; any widget they do
not cover comes from Django's templates as before."""

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property

FLAT = Path(__file__).resolve().parent / "form_templates"


class FlatWidgetTemplates(DjangoTemplates):
    @cached_property
    def engine(self):
        stock = Path(django.forms.__file__).resolve().parent / "templates"
        return self.backend(
            {"APP_DIRS": True, "DIRS": [FLAT, stock], "NAME": "djangoforms", "OPTIONS": {}}
        )
