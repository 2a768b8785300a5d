"""What the sign-up, login and code pages tell a newcomer: whose addresses may register, how
long the mailed code is valid (the same in the mail and on the page), a way to get a new
code, and which organizations to choose from only when the address needs a choice."""

import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from members.models import DomainRule, Organization
from tests.members.test_signup import SIGNUP, code_from

pytestmark = pytest.mark.django_db

WHO_JA = (
    "lg.jp または go.jp で終わるメールアドレスと、自治体の地域型ドメイン"
    "(pref.kanagawa.jp、city.yokohama.jp など)のメールアドレスで登録できます。"
)
WHO_EN = (
    "You can register with an address ending in lg.jp or go.jp, or with one under a local "
    "government's own domain such as pref.kanagawa.jp or city.yokohama.jp."
)


@pytest.fixture(autouse=True)
def _restore_language():
    yield
    translation.deactivate()


@pytest.mark.parametrize("url_name", ["account_login", "account_signup"])
def test_login_and_signup_say_who_may_register(client, url_name):
    page = client.get(reverse(url_name), headers={"accept-language": "ja"}).content.decode()
    assert WHO_JA in page
    page = client.get(reverse(url_name), headers={"accept-language": "en"}).content.decode()
    assert WHO_EN in page


def test_the_sentence_follows_the_domain_rules(client):
    DomainRule.objects.filter(domain="go.jp").update(is_active=False)
    DomainRule.objects.create(domain="soumu.go.jp", match="tree")
    DomainRule.objects.create(domain="example.jp", match="tree", action="deny")
    page = client.get(reverse("account_signup")).content.decode()
    assert "lg.jp または soumu.go.jp で終わるメールアドレスと" in page
    assert "example.jp" not in page


def sign_up(client, run_tasks, committing, email=None):
    data = {**SIGNUP, "email": email or f"hanako.{uuid.uuid4().hex[:8]}@city.kobe.lg.jp"}
    with committing():
        response = client.post(reverse("account_signup"), data)
    assert response.url == reverse("account_email_verification_sent")
    run_tasks()
    return data["email"]


def test_code_page_and_mail_state_the_same_expiry(client, run_tasks, committing, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = 20 * 60
    sign_up(client, run_tasks, committing)
    assert "このコードは20分間有効です。" in mail.outbox[0].body
    page = client.get(reverse("account_email_verification_sent")).content.decode()
    assert "このコードは20分間有効です。" in page
    assert "shortly" not in page


def test_resend_mails_a_new_code_and_only_that_one_works(client, run_tasks, committing):
    sign_up(client, run_tasks, committing)
    url = reverse("account_email_verification_sent")
    page = client.get(url).content.decode()
    assert "コードを再送" in page and 'name="action" value="resend"' in page

    with committing():
        response = client.post(url, {"action": "resend"})
    assert response.status_code == 302 and response.url == url
    run_tasks()
    assert len(mail.outbox) == 2
    first, second = code_from(mail.outbox[0]), code_from(mail.outbox[1])
    assert "このコードは30分間有効です。" in mail.outbox[1].body
    if first != second:  # one in 10^8 they are equal
        assert client.post(url, {"code": first}).status_code == 200  # refused, page again
    response = client.post(url, {"code": second})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_resend_stops_after_three(client, run_tasks, committing):
    sign_up(client, run_tasks, committing)
    url = reverse("account_email_verification_sent")
    for _ in range(3):
        with committing():
            client.post(url, {"action": "resend"})
    run_tasks()
    assert len(mail.outbox) == 4
    assert "コードを再送" not in client.get(url).content.decode()
    with committing():
        client.post(url, {"action": "resend"})  # read as a (wrong) code, not a resend
    run_tasks()
    assert len(mail.outbox) == 4


def test_resend_is_rate_limited(client, run_tasks, committing, settings):
    settings.ACCOUNT_RATE_LIMITS = {"confirm_email": "2/3m/key"}
    sign_up(client, run_tasks, committing)
    url = reverse("account_email_verification_sent")
    with committing():
        assert client.post(url, {"action": "resend"}).status_code == 302
        assert client.post(url, {"action": "resend"}).status_code == 429
    run_tasks()
    assert len(mail.outbox) == 2


# --- the organization chooser -------------------------------------------------------------


def lookup(client, email, **extra):
    return client.post(reverse("members:signup_organizations"), {"email": email}, **extra)


def test_lookup_says_when_an_address_needs_a_choice(client):
    chuo = set(
        Organization.objects.filter(name__in=["中央区", "中央市"]).values_list("pk", flat=True)
    )
    assert lookup(client, "suzuki@city.kobe.lg.jp").json() == {
        "needed": False,
        "organizations": None,
    }
    ambiguous = lookup(client, "tanaka@city.chuo.lg.jp").json()
    assert ambiguous["needed"] is True and set(ambiguous["organizations"]) <= chuo
    assert len(ambiguous["organizations"]) > 1
    assert lookup(client, "sato@somewhere.go.jp").json() == {"needed": True, "organizations": None}
    for refused in ["hanako@gmail.com", "", "@@", "ｈａｎａｋｏ@city.kobe.lg.jp", "x" * 5000]:
        assert lookup(client, refused).json() == {"needed": False, "organizations": None}


def test_lookup_is_post_only_and_rate_limited(client, settings):
    url = reverse("members:signup_organizations")
    assert client.get(url).status_code == 405
    settings.ACCOUNT_RATE_LIMITS = {"organization_lookup": "2/m/ip"}
    # An address of its own: the counts live in the cache (Redis on CI) for a minute.
    ip = {"REMOTE_ADDR": f"2001:db8::{uuid.uuid4().hex[:4]}"}
    assert lookup(client, "a@city.kobe.lg.jp", **ip).status_code == 200
    assert lookup(client, "b@city.kobe.lg.jp", **ip).status_code == 200
    refused = lookup(client, "c@city.kobe.lg.jp", **ip)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"


def test_signup_form_points_the_script_at_the_lookup(client):
    page = client.get(reverse("account_signup")).content.decode()
    select = re.search(r"<select[^>]*name=\"organization\"[^>]*>", page).group(0)
    assert f'data-organization-lookup="{reverse("members:signup_organizations")}"' in select


def test_password_reset_code_page_and_mail_state_the_same_expiry(
    client, member, run_tasks, committing
):
    with committing():
        response = client.post(reverse("account_reset_password"), {"email": member.email})
    assert response.url == reverse("account_confirm_password_reset_code")
    run_tasks()
    assert "このコードは15分間有効です。" in mail.outbox[0].body
    page = client.get(response.url).content.decode()
    assert "このコードは15分間有効です。" in page
