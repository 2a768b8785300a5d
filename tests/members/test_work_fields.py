"""Fields of work (担当分野) read in the visitor's language."""

import pytest
from django.urls import reverse
from django.utils import translation

from members.defaults import WORK_FIELDS
from members.models import WorkField
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


def test_every_default_field_has_an_english_name():
    with translation.override("en"):
        untranslated = [name for name in WORK_FIELDS if WorkField(name=name).label == name]
    assert untranslated == ["SDGs"]  # the same word in both languages


def test_profile_directory_and_form_show_fields_in_english(member_client, member):
    person = MemberFactory(display_name="税務 一郎")
    person.work_fields.set([WorkField.objects.get(name="税務")])
    english = {"accept-language": "en"}

    page = member_client.get(reverse("members:detail", args=[person.pk]), headers=english)
    assert '<li class="tag">Taxation</li>' in page.content.decode()
    page = member_client.get(reverse("members:directory"), headers=english).content.decode()
    assert ">Taxation<" in page  # the member's tag and the filter's option
    page = member_client.get(reverse("members:profile"), headers=english).content.decode()
    assert "Public finance" in page

    page = member_client.get(reverse("members:detail", args=[person.pk])).content.decode()
    assert '<li class="tag">税務</li>' in page and "Taxation" not in page


def test_a_field_added_by_an_administrator_shows_as_written(member_client):
    field = WorkField.objects.create(name="公営競技", position=99)
    with translation.override("en"):
        assert str(field) == "公営競技"
