"""Instances made from rows without Model.__init__ (cityhall.rows) are the instances Django
makes: the same values and state, deferred fields read when asked, foreign keys and receivers
working as before."""

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from wagtail.images.models import Image
from wagtail.models import Task

from cityhall import rows
from groups.models import Post, Topic
from knowledge.models import KnowledgePage
from members.models import User
from tests.factories import PostFactory, TopicFactory, make_occurrence

pytestmark = pytest.mark.django_db


def _made_by_django(instance):
    model = type(instance)
    names = [field.attname for field in model._meta.concrete_fields]
    values = model.objects.filter(pk=instance.pk).values_list(*names).get()
    return rows._django_from_db(model, instance._state.db, names, values)


def _state(instance) -> tuple:
    return instance._state.adding, instance._state.db, instance._state.fetch_mode


def _values(instance) -> dict:
    return {name: value for name, value in vars(instance).items() if name != "_state"}


def test_every_model_with_rows_is_loaded_as_django_makes_it():
    post = PostFactory()
    make_occurrence(group=post.topic.group, organizer=post.author)
    compared = set()
    for model in apps.get_models():
        for instance in model.objects.all()[:2]:
            django_made = _made_by_django(instance)
            assert type(instance) is type(django_made)
            assert _values(instance) == _values(django_made), model
            assert _state(instance) == _state(django_made), model
            compared.add(model)
    made_here = {model for model in compared if rows._plan(model) is not None}
    assert {Post, Topic, User} <= made_here


def test_a_receiver_of_post_init_still_sees_every_instance():
    PostFactory()
    assert Model.from_db.__func__ is rows.from_db
    seen = []

    def counted(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(counted, sender=Topic)
    try:
        list(Post.objects.all())  # no receiver for posts: made here
        topics = list(Topic.objects.all())  # a receiver: made by Django, which sends it
    finally:
        post_init.disconnect(counted, sender=Topic)

    assert seen == topics


def test_a_deferred_field_is_read_when_asked():
    post = PostFactory(body="差押えの順序は国税徴収法に従います。")
    loaded = Post.objects.only("id", "topic_id").get(pk=post.pk)
    assert "body" not in vars(loaded)

    with CaptureQueriesContext(connection) as queries:
        assert loaded.body == "差押えの順序は国税徴収法に従います。"

    assert len(queries) == 1
    assert loaded.topic_id == post.topic_id


def test_a_foreign_key_changed_after_loading_forgets_the_related_object():
    post = PostFactory()
    other = TopicFactory(group=post.topic.group)
    loaded = Post.objects.select_related("topic").get(pk=post.pk)
    assert loaded.topic.pk == post.topic_id

    loaded.topic_id = other.pk

    assert loaded.topic.pk == other.pk


def test_a_loaded_instance_saves_as_an_update():
    post = PostFactory(body="最初の本文")
    loaded = Post.objects.get(pk=post.pk)
    loaded.body = "直した本文"
    loaded.save(update_fields=["body"])

    assert Post.objects.filter(body="直した本文").count() == 1
    assert Post.objects.count() == 2  # the topic's first post and this reply, nothing new


def test_models_whose_construction_does_more_are_made_by_django():
    assert rows._plan(Task) is None  # an __init__ of its own that nobody declared plain
    assert rows._plan(Image) is None  # Wagtail's image has an __init__ of its own too
    assert rows._plan(User) is not None  # its image field only stores when new
    assert rows._plan(KnowledgePage)[1] == ("body",)  # Wagtail's, declared: the body converted
