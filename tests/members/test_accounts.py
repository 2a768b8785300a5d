import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from members import domains
from members.models import Notification, OrganizationDomain, User
from tests.conftest import PASSWORD
from tests.factories import MemberFactory, organization

pytestmark = pytest.mark.django_db


def _login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_log_in_and_log_out(client, member):
    response = _login(client, member.email.upper())
    assert response.status_code == 302
    assert member.display_name in client.get("/").content.decode()
    client.post(reverse("account_logout"))
    assert client.get("/").status_code == 302


def test_wrong_password_gets_a_japanese_error(client, member):
    response = _login(client, member.email, "wrong-password")
    assert response.status_code == 200
    assert (
        "入力されたメールアドレスもしくはパスワードが正しくありません" in response.content.decode()
    )


def test_reset_password_by_code(client, member, committing, run_tasks):
    with committing():
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.status_code == 302
    run_tasks()
    code = re.search(r"^(\d{4}-\d{4})$", mail.outbox[-1].body, re.MULTILINE).group(1)
    response = client.post(reverse("account_confirm_password_reset_code"), {"code": code})
    assert response.status_code == 302
    new = "kobe-new-passphrase-7"
    response = client.post(
        reverse("account_complete_password_reset"), {"password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert _login(Client(), member.email, new).status_code == 302
    assert _login(Client(), member.email, PASSWORD).status_code == 200


def test_failed_logins_are_rate_limited_through_the_shared_cache(client, member, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    for _ in range(3):
        _login(client, member.email, "wrong")
    response = _login(Client(), member.email, PASSWORD)  # even the right password, from elsewhere
    assert response.status_code == 200
    assert "ログイン失敗が連続しています" in response.content.decode()


def test_demo_password_is_refused_when_debug_is_off(client, settings):
    member = MemberFactory(password="demo-pass-2026")
    settings.DEBUG = False
    assert _login(client, member.email, "demo-pass-2026").status_code == 200
    settings.DEBUG = True
    assert _login(client, member.email, "demo-pass-2026").status_code == 302


def test_seed_demo_is_safe_to_run_twice():
    call_command("seed_demo", verbosity=0)
    count = User.objects.count()
    call_command("seed_demo", verbosity=0)
    assert User.objects.count() == count >= 15
    admin = User.objects.get(email="demo-admin@soumu.go.jp")
    assert admin.is_superuser and admin.organization.name == "総務省"
    demo_members = User.objects.select_related("organization").exclude(organization=None)
    kinds = {m.organization.kind for m in demo_members}  # (not the importer's system member)
    assert {"designated_city", "prefecture", "national", "town", "village"} <= kinds


def test_admin_confirms_an_unconfirmed_organization_and_remembers_the_domain(client):
    admin = MemberFactory(is_staff=True, is_superuser=True, email="admin@soumu.go.jp")
    chuo = organization("中央区")
    picked = MemberFactory(
        email="sato@city.chuo.lg.jp", organization=chuo, organization_confirmed=False
    )
    client.force_login(admin)
    response = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "confirm_organization_and_domain", "_selected_action": [picked.pk]},
    )
    assert response.status_code == 302
    picked.refresh_from_db()
    assert picked.organization_confirmed
    assert OrganizationDomain.objects.get(domain="city.chuo.lg.jp").organization == chuo
    assert Notification.objects.filter(recipient=picked, kind="organization_confirmed").exists()


def test_notifications_page_lists_and_marks_read(member_client, member):
    Notification.objects.create(recipient=member, kind="welcome", params={"name": "神戸 太郎"})
    page = member_client.get(reverse("members:notifications")).content.decode()
    assert "オンライン市役所へようこそ、神戸 太郎さん" in page
    assert member_client.get(reverse("members:notification_count")).json() == {"unread": 1}
    member_client.post(reverse("members:notifications"))
    assert member_client.get(reverse("members:notification_count")).json() == {"unread": 0}


def test_confirming_never_remaps_a_domain_the_directory_already_knows(client):
    admin = MemberFactory(is_staff=True, is_superuser=True, email="admin@soumu.go.jp")
    wrong = MemberFactory(
        email="mismatch@city.kobe.lg.jp",
        organization=organization("総務省"),
        organization_confirmed=False,
    )
    client.force_login(admin)
    response = client.post(
        reverse("admin:members_user_changelist"),
        {"action": "confirm_organization_and_domain", "_selected_action": [wrong.pk]},
        follow=True,
    )
    assert "city.kobe.lg.jp" in response.content.decode()  # the warning names it
    assert not OrganizationDomain.objects.filter(domain="city.kobe.lg.jp").exists()
    assert domains.resolve_organization("city.kobe.lg.jp").name == "神戸市"
