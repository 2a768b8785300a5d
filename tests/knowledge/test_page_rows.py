"""Knowledge pages read from the database are made without Wagtail's constructors
(cityhall.rows, declared by knowledge): the same pages, their StreamFields still blocks."""

from wagtail.blocks import StreamValue
from wagtail.models import Page

from cityhall import rows
from knowledge.models import ArticlePage, KnowledgePage, SectionPage


def test_a_page_is_loaded_as_wagtail_makes_it(world):
    for model in (Page, SectionPage, KnowledgePage, ArticlePage):
        assert rows._plan(model) is not None, model
        for page in model.objects.all():
            names = [field.attname for field in model._meta.concrete_fields]
            values = model.objects.filter(pk=page.pk).values_list(*names).get()
            made = rows._django_from_db(model, "default", names, values)
            assert {**vars(page), "_state": None} == {**vars(made), "_state": None}
            assert page._state.adding is made._state.adding is False


def test_a_body_read_with_its_page_is_blocks(world):
    page = ArticlePage.objects.get(pk=world.open_page.pk)

    assert isinstance(page.body, StreamValue)
    assert page.body[0].value == "経常収支比率を見る"
    assert page.specific_class is ArticlePage


def test_a_deferred_body_is_read_as_blocks(world):
    page = ArticlePage.objects.only("pk", "title").get(pk=world.open_page.pk)

    assert "body" not in vars(page)
    assert page.body[0].value == "経常収支比率を見る"
