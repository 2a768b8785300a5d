"""The admin site covers groups, topics, posts, flags, bans, chat rooms, messages and their
flags, with search, filters and actions that go through the services; every label is
Japanese; Django's permission 「グループ」 is not shown; staff get a link to it in the nav."""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.urls import reverse
from django.utils import translation

from groups import services
from groups.chat import services as chat_services
from groups.chat.models import Message, MessageFlag
from groups.models import Flag, Membership, ModerationLog, Topic
from members.models import Notification
from tests.factories import MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db

OUR_APPS = {"groups", "chat", "django_tasks_database"}


@pytest.fixture
def admin_user(db):
    return MemberFactory(is_staff=True, is_superuser=True, display_name="管理 太郎")


@pytest.fixture
def world(group, owner):
    writer, reader = MemberFactory(display_name="書き手"), MemberFactory()
    for member in (writer, reader):
        Membership.objects.create(group=group, member=member)
    topic = services.topic_create(author=writer, group=group, title="管理画面で探す", body="本文")
    post = topic.posts.get()
    services.flag_create(flagger=reader, post=post, reason="spam")
    room = chat_services.room_for_group(group)
    message = chat_services.message_send(author=writer, room=room, client_id="a", body="発言")[0]
    chat_services.message_flag_create(flagger=reader, message=message, reason="other")
    removed = Membership.objects.create(group=group, member=MemberFactory())
    services.membership_remove(actor=owner, membership=removed, reason="テスト")
    return topic, post, message, writer


def _changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_moderation_model_has_a_searchable_filtered_admin_page(admin_user, world):
    client = client_for(admin_user)
    ours = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]
    names = {model._meta.model_name for model in ours}
    assert {"group", "topic", "post", "flag", "groupban", "moderationlog", "room", "message",
            "messageflag", "mute", "dbtaskresult"} <= names  # fmt: skip
    for model in ours:
        url = _changelist(model)
        assert client.get(url).status_code == 200, url
        if admin.site._registry[model].search_fields:
            assert client.get(url, {"q": "管理"}).status_code == 200, url
    topic, post, message, _writer = world
    for obj in (topic, post, message, topic.group):
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
        assert client.get(url).status_code == 200, url


def test_every_admin_label_is_japanese(db):
    """Model names, list columns and form fields of our admin pages (and of task results)
    in Japanese."""
    request = _request()
    with translation.override("ja"):
        for model, model_admin in admin.site._registry.items():
            if model._meta.app_label not in OUR_APPS:
                continue
            for name in (model._meta.verbose_name, model._meta.verbose_name_plural):
                assert not str(name).isascii(), (model, name)
            for field in model_admin.get_list_display(request):
                label = label_for_field(field, model, model_admin)
                assert not str(label).isascii() or str(label) == "ID", (model, field, label)
            for field in model_admin.get_fields(request):  # the form's fields
                label = label_for_field(field, model, model_admin)
                assert not str(label).isascii() or str(label) == "ID", (model, field, label)
        app = admin.site.get_app_list(request)
        assert all(not str(entry["name"]).isascii() for entry in app), [e["name"] for e in app]


def _request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = MemberFactory(is_staff=True, is_superuser=True)
    return request


def test_the_task_results_page_reads_in_japanese(admin_user):
    from django_tasks_db.models import DBTaskResult

    from groups.tasks import attachment_preview_make

    attachment_preview_make.enqueue(attachment_id=1)
    client = client_for(admin_user)
    page = client.get(_changelist(DBTaskResult), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    for english in ("Task Result", "Enqueued at", "Queue name", "Priority", "Task name"):
        assert english not in page
    assert "処理" in page and "状態" in page
    result = DBTaskResult.objects.first()
    detail = client.get(reverse("admin:django_tasks_database_dbtaskresult_change",
                                args=[result.pk])).content.decode()  # fmt: skip
    assert "Traceback" not in detail and "Run after" not in detail


def test_django_permission_groups_are_not_in_the_admin(admin_user):
    from django.contrib.auth.models import Group as PermissionGroup

    assert PermissionGroup not in admin.site._registry
    index = client_for(admin_user).get(reverse("admin:index")).content.decode()
    assert "/admin/auth/group/" not in index


def test_staff_get_an_admin_link_in_the_nav_and_members_do_not(admin_user, member):
    link = f'href="{reverse("admin:index")}"'
    assert link in client_for(admin_user).get(reverse("home")).content.decode()
    assert link not in client_for(member).get(reverse("home")).content.decode()


def test_admin_actions_go_through_the_services(admin_user, world):
    topic, post, message, writer = world
    client = client_for(admin_user)
    client.post(_changelist(Topic), {"action": "hide", "_selected_action": [topic.pk]})
    topic.refresh_from_db()
    assert topic.is_hidden and topic.hidden_reason
    assert Notification.objects.filter(recipient=writer, params__event="topic_hidden").exists()
    assert ModerationLog.objects.filter(action="hide_topic", actor=admin_user).exists()
    client.post(_changelist(Topic), {"action": "lock", "_selected_action": [topic.pk]})
    topic.refresh_from_db()
    assert topic.is_locked

    client.post(_changelist(Flag), {"action": "dismiss",
                                    "_selected_action": list(Flag.objects.values_list("pk", flat=True))})  # fmt: skip
    assert not Flag.objects.filter(status="open").exists()
    client.post(_changelist(MessageFlag), {
        "action": "delete_message",
        "_selected_action": list(MessageFlag.objects.values_list("pk", flat=True)),
    })  # fmt: skip
    assert Message.objects.get(pk=message.pk).is_deleted
    assert not MessageFlag.objects.filter(status="open").exists()


def test_admin_actions_by_an_unverified_account_are_refused_and_change_nothing(world):
    topic, _post, _message, _writer = world
    unverified = MemberFactory(is_staff=True, is_superuser=True, verified=False)
    response = client_for(unverified).post(
        _changelist(Topic), {"action": "hide", "_selected_action": [topic.pk]}, follow=True
    )
    assert response.status_code == 200
    topic.refresh_from_db()
    assert not topic.is_hidden and not ModerationLog.objects.filter(action="hide_topic").exists()
