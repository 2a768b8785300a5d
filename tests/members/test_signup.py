import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from members.models import Notification, Organization, Posting, User

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "suzuki.hanako@city.kobe.lg.jp",
    "password1": "kobe-zeimu-2026!",
    "password2": "kobe-zeimu-2026!",
    "display_name": "鈴木 花子",
    "display_name_kana": "すずき はなこ",
}


def code_from(message) -> str:
    return re.search(r"^(\d{4}-\d{4})$", message.body, re.MULTILINE).group(1)


def test_sign_up_with_code_lands_on_home_with_name_and_organization(client, run_tasks, committing):
    with committing():
        response = client.post(reverse("account_signup"), SIGNUP)
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert mail.outbox == []  # sent by the worker, not in the request
    run_tasks()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [SIGNUP["email"]]

    response = client.post(
        reverse("account_email_verification_sent"), {"code": code_from(mail.outbox[0])}
    )
    assert response.status_code == 302
    home = client.get(response.url)
    page = home.content.decode()
    assert "鈴木 花子" in page and "神戸市" in page

    member = User.objects.get(email=SIGNUP["email"])
    assert member.organization.name == "神戸市" and member.organization_confirmed
    assert Posting.objects.filter(member=member, ended_on__isnull=True).count() == 1
    assert Notification.objects.filter(recipient=member, kind="welcome").exists()


def test_wrong_code_keeps_the_member_out(client, run_tasks, committing):
    with committing():
        client.post(reverse("account_signup"), SIGNUP)
    run_tasks()
    response = client.post(reverse("account_email_verification_sent"), {"code": "0000-0000"})
    assert response.status_code == 200
    assert client.get(reverse("home")).status_code == 302
    assert not EmailAddress.objects.get(email=SIGNUP["email"]).verified


@pytest.mark.parametrize(
    "email",
    [
        "hanako@gmail.com",
        "hanako@city.kobe.lg.jp.example.com",
        "hanako@lg.jp",
        "hanako@city.example.jp",
    ],
)
def test_non_government_address_gets_a_japanese_error_and_writes_nothing(client, email):
    organizations = Organization.objects.count()
    response = client.post(reverse("account_signup"), {**SIGNUP, "email": email})
    assert response.status_code == 200
    assert "自治体・省庁のメールアドレスでのみ登録できます" in response.content.decode()
    assert not User.objects.exists()
    assert not EmailAddress.objects.exists()
    assert Organization.objects.count() == organizations


def test_unknown_government_domain_must_pick_an_organization_and_is_unconfirmed(client, run_tasks):
    data = {**SIGNUP, "email": "tanaka@city.chuo.lg.jp"}  # 中央区 (東京) or 中央市 (山梨)?
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert "所属団体を選んでください" in response.content.decode()
    assert not User.objects.exists()

    chuo = Organization.objects.get(name="中央区", prefecture__name="東京都")
    response = client.post(reverse("account_signup"), {**data, "organization": chuo.pk})
    assert response.status_code == 302
    member = User.objects.get(email=data["email"])
    assert member.organization == chuo and not member.organization_confirmed


def test_full_width_address_is_rejected_with_reason(client):
    response = client.post(
        reverse("account_signup"), {**SIGNUP, "email": "ｈａｎａｋｏ@city.kobe.lg.jp"}
    )
    assert "半角英数字で入力してください" in response.content.decode()
    assert not User.objects.exists()
