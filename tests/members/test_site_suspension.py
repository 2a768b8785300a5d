"""Site moderators suspend an account for the whole site from its profile page."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from groups.notifications import MENTION
from members import services
from members.models import Notification, SiteSuspension, User
from tests.conftest import PASSWORD
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return MemberFactory(is_site_moderator=True, display_name="管理 花子")


def _client(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def _suspend(client, member, **data):
    data = {"days": "7", "reason": "同じ宣伝の投稿を繰り返したため", **data}
    return client.post(reverse("members:suspend", args=[member.pk]), data)


def test_a_suspended_member_is_told_until_when_and_why_on_every_page(
    moderator, member, committing, run_tasks
):
    member_browser = _client(member)
    with committing():
        response = _suspend(_client(moderator), member)
    assert response.status_code == 302

    page = member_browser.get(reverse("groups:index"))
    assert page.status_code == 403
    text = page.content.decode()
    assert "利用が停止されています" in text and "同じ宣伝の投稿を繰り返したため" in text
    until = timezone.localtime(User.objects.get(pk=member.pk).suspended_until)
    assert f"{until.year}年{until.month}月{until.day}日" in text
    assert 'href="/groups/"' not in text  # no navigation into the site
    api = member_browser.get(reverse("members:notification_count"))
    assert api.status_code == 403 and api.json()["error"] == "suspended"

    run_tasks()
    (message,) = [m for m in mail.outbox if member.email in m.to]
    assert "利用が停止されました" in message.subject
    assert "同じ宣伝の投稿を繰り返したため" in message.body


def test_a_suspended_member_can_sign_in_to_read_why_and_sign_out(moderator, member):
    with_reason = "不適切な書き込みのため"
    _suspend(_client(moderator), member, days="", reason=with_reason)
    browser = Client()
    browser.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    page = browser.get("/")
    assert page.status_code == 403 and with_reason in page.content.decode()
    assert "解除するまで" in page.content.decode()
    assert browser.post(reverse("account_logout")).status_code == 302
    assert browser.get("/").status_code == 302  # anonymous again: off to the login page


def test_lifting_the_suspension_lets_the_member_back_in_and_tells_them(
    moderator, member, committing, run_tasks
):
    moderator_browser = _client(moderator)
    _suspend(moderator_browser, member, days="")
    with committing():
        response = moderator_browser.post(reverse("members:unsuspend", args=[member.pk]))
    assert response.status_code == 302
    assert _client(member).get("/").status_code == 200
    run_tasks()
    assert any("解除されました" in m.subject for m in mail.outbox if member.email in m.to)
    (record,) = SiteSuspension.objects.filter(member=member)
    assert record.lifted_by == moderator and not record.is_current


def test_a_suspension_ends_by_itself_when_its_time_is_up(moderator, member):
    _suspend(_client(moderator), member, days="1")
    User.objects.filter(pk=member.pk).update(suspended_until=timezone.now() - timedelta(seconds=1))
    assert _client(member).get("/").status_code == 200


def test_a_suspension_without_a_reason_or_with_an_odd_period_is_refused_and_nothing_changes(
    moderator, member
):
    browser = _client(moderator)
    response = _suspend(browser, member, reason="")
    assert response.status_code == 400
    assert "この項目は必須です" in response.content.decode()
    response = _suspend(browser, member, days="²")
    assert response.status_code == 400
    assert "正しく選択してください" in response.content.decode()
    assert not SiteSuspension.objects.exists()
    assert User.objects.get(pk=member.pk).suspended_until is None


def test_only_site_moderators_see_the_controls_and_may_suspend(moderator, member):
    other = MemberFactory()
    profile = reverse("members:detail", args=[member.pk])
    assert "利用を停止する" not in _client(other).get(profile).content.decode()
    assert "利用を停止する" in _client(moderator).get(profile).content.decode()
    assert _suspend(_client(other), member).status_code == 404
    assert _client(other).get(reverse("members:suspensions")).status_code == 404
    assert User.objects.get(pk=member.pk).suspended_until is None


def test_moderators_cannot_suspend_each_other_or_themselves_but_a_superuser_can(moderator):
    second = MemberFactory(is_site_moderator=True)
    assert _suspend(_client(moderator), second).status_code == 404
    assert _suspend(_client(moderator), moderator).status_code == 404
    superuser = MemberFactory(is_superuser=True, is_staff=True)
    assert _suspend(_client(moderator), superuser).status_code == 404
    assert _suspend(_client(superuser), second).status_code == 302
    assert User.objects.get(pk=second.pk).suspended_until is not None


def test_the_record_lists_who_suspended_whom_and_why(moderator, member):
    browser = _client(moderator)
    _suspend(browser, member, reason="宣伝の繰り返し")
    browser.post(reverse("members:unsuspend", args=[member.pk]))
    _suspend(browser, member, reason="再び宣伝", days="")
    page = browser.get(reverse("members:suspensions")).content.decode()
    assert "宣伝の繰り返し" in page and "再び宣伝" in page
    assert "管理 花子さんが解除" in page and "停止中" in page


def test_a_suspended_member_gets_no_notification_mail(
    member, committing, run_tasks, moderator, settings
):
    settings.NOTIFICATION_MAIL_DELAY = 0
    _suspend(_client(moderator), member, days="")
    run_tasks()
    mail.outbox.clear()
    with committing():
        services.notification_create(recipient=member, kind=MENTION, params={}, url="/")
    assert run_tasks() == 1
    assert not [m for m in mail.outbox if member.email in m.to]
    assert Notification.objects.get(recipient=member).emailed_at is None
