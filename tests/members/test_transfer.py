"""The April transfer: a member changes to the address of another organization."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from members.models import Notification, Posting

pytestmark = pytest.mark.django_db
NEW_ADDRESS = "kobe.taro@city.yokohama.lg.jp"


def _code(message) -> str:
    return re.search(r"^(\d{4}-\d{4})$", message.body, re.MULTILINE).group(1)


def _request_change(client, committing, run_tasks, address=NEW_ADDRESS):
    with committing():
        response = client.post(reverse("account_email"), {"action_add": "", "email": address})
    run_tasks()
    return response


def test_transfer_needs_the_new_address_verified_then_moves_the_member(
    member_client, member, committing, run_tasks
):
    kobe = member.organization
    member.postings.create(organization=kobe, started_on=timezone.localdate().replace(year=2020))
    response = _request_change(member_client, committing, run_tasks)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == kobe  # nothing moves before the code is typed
    assert mail.outbox[-1].to == [NEW_ADDRESS]

    with committing():
        response = member_client.post(
            reverse("account_email_verification_sent"), {"code": _code(mail.outbox[-1])}
        )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.email == NEW_ADDRESS
    assert member.organization.name == "横浜市" and member.organization_confirmed
    assert list(EmailAddress.objects.filter(user=member).values_list("email", flat=True)) == [
        NEW_ADDRESS
    ]

    (old,) = Posting.objects.filter(member=member, organization=kobe, ended_on=timezone.localdate())
    assert Posting.objects.get(member=member, ended_on__isnull=True).organization.name == "横浜市"
    assert Notification.objects.filter(recipient=member, kind="transfer").exists()

    page = member_client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "神戸市" in page and "横浜市" in page  # the history keeps the old organization


def test_changing_to_a_non_government_address_is_refused(
    member_client, member, committing, run_tasks
):
    response = _request_change(member_client, committing, run_tasks, "kobe.taro@gmail.com")
    assert response.status_code == 200
    assert "自治体・省庁のメールアドレスでのみ登録できます" in response.content.decode()
    assert EmailAddress.objects.filter(user=member).count() == 1
    assert mail.outbox == []


def test_wrong_code_changes_nothing(member_client, member, committing, run_tasks):
    _request_change(member_client, committing, run_tasks)
    member_client.post(reverse("account_email_verification_sent"), {"code": "0000-0000"})
    member.refresh_from_db()
    assert member.email.endswith("@city.kobe.lg.jp")
    assert member.organization.name == "神戸市"
