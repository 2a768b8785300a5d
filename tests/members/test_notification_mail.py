"""Mail goes through a real SMTP backend pointed at a port where nothing listens: the send
fails as it would when the mail server is down."""

import socket

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from groups.notifications import MENTION
from members import services
from members.models import Notification
from members.tasks import send_email, send_notification_mail
from tests.factories import MemberFactory


@pytest.fixture
def mail_server_down(settings, db):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    return settings


def _mail_server_back(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _run_ready_tasks() -> list[str]:
    """The real worker's claim-and-run steps for every task due now; their final statuses."""
    worker = Worker(
        queue_names=["*"], excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="pytest",
    )  # fmt: skip
    statuses = []
    while (result := DBTaskResult.objects.ready().first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        result.refresh_from_db()
        statuses.append(result.status)
    return statuses


def _time_passes():
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_notification_mail_that_fails_stays_pending_and_is_sent_on_the_retry(mail_server_down):
    member = MemberFactory()
    services.notification_create(
        recipient=member,
        kind=MENTION,
        params={"topic": "滞納整理", "actor": "山田"},
    )
    send_notification_mail.enqueue(member_id=member.pk)

    assert _run_ready_tasks() == ["FAILED"]
    assert Notification.objects.get(recipient=member).emailed_at is None
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now()

    _mail_server_back(mail_server_down)
    _time_passes()
    assert _run_ready_tasks() == ["SUCCESSFUL"]
    assert [message.to for message in mail.outbox] == [[member.email]]
    assert "滞納整理" in mail.outbox[0].body
    assert Notification.objects.get(recipient=member).emailed_at is not None


def test_an_account_mail_that_fails_is_sent_on_the_retry(mail_server_down):
    send_email.enqueue(subject="確認コード", body="1234-5678", to=["a@city.kobe.lg.jp"],
                       from_email="no-reply@localhost")  # fmt: skip
    assert _run_ready_tasks() == ["FAILED"]

    _mail_server_back(mail_server_down)
    _time_passes()
    assert _run_ready_tasks() == ["SUCCESSFUL"]
    assert [(m.subject, m.body) for m in mail.outbox] == [("確認コード", "1234-5678")]


def test_mail_is_given_up_after_the_last_attempt(mail_server_down):
    send_email.enqueue(subject="s", body="b", to=["a@city.kobe.lg.jp"], from_email="x@localhost",
                       attempt=8)  # fmt: skip
    assert _run_ready_tasks() == ["FAILED"]
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_a_second_run_for_the_same_member_waits_for_the_first(db):
    member = MemberFactory()
    services.notification_create(
        recipient=member, kind=MENTION, params={"topic": "t", "actor": "a"}
    )
    send_notification_mail.enqueue(member_id=member.pk)
    cache.add(f"notification-mail-{member.pk}", True, 60)  # the first run is mid-send
    try:
        assert _run_ready_tasks() == ["SUCCESSFUL"]
    finally:
        cache.delete(f"notification-mail-{member.pk}")
    assert mail.outbox == []
    assert Notification.objects.get(recipient=member).emailed_at is None
    _time_passes()
    assert _run_ready_tasks() == ["SUCCESSFUL"]
    assert len(mail.outbox) == 1


def test_members_notified_together_share_a_task_and_are_each_retried(
    mail_server_down, django_capture_on_commit_callbacks
):
    members = [MemberFactory() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_create(
            recipients=members, kind=MENTION, params={"topic": "滞納整理", "actor": "山田"}
        )
    assert DBTaskResult.objects.count() == 1
    _time_passes()
    assert _run_ready_tasks() == ["FAILED"]
    assert DBTaskResult.objects.filter(status="READY").count() == 3  # a retry for each

    _mail_server_back(mail_server_down)
    _time_passes()
    assert _run_ready_tasks() == ["SUCCESSFUL"] * 3
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.email for m in members)
    assert not Notification.objects.filter(emailed_at__isnull=True).exists()
