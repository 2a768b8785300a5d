import importlib
import re

import pytest
from django.apps import apps
from django.urls import reverse

from cityhall import markdown
from groups import services as group_services
from groups.models import Membership
from members import services
from members.models import FormerHandle, Notification, User
from tests.factories import MemberFactory
from tests.groups.conftest import make_group
from tests.members.test_profile import _profile_data
from tests.members.test_signup import SIGNUP

pytestmark = pytest.mark.django_db
TAKEN = "このハンドル名はほかの会員が使っているか、以前に使っていました。"


def test_sign_up_gives_a_handle_from_the_reading_never_from_the_email(client):
    client.post(reverse("account_signup"), SIGNUP)
    member = User.objects.get(email=SIGNUP["email"])
    assert member.handle == "suzuki-hanako"
    assert "suzuki.hanako" not in member.handle


def test_a_second_member_with_the_same_reading_gets_a_random_ending(db):
    first = MemberFactory(display_name_kana="やまだ はなこ")
    second = MemberFactory(display_name_kana="やまだ はなこ")
    assert first.handle == "yamada-hanako"
    assert second.handle.startswith("yamada-hanako-") and second.handle != first.handle


def test_an_account_without_a_reading_gets_a_handle_that_is_not_its_address(db):
    member = User.objects.create_user("hanako.yamada@city.kobe.lg.jp", "x-very-long-pass-9")
    assert member.handle.startswith("member-")
    assert "hanako" not in member.handle and "yamada" not in member.handle


def _change(member_client, member, handle):
    return member_client.post(reverse("members:profile"), _profile_data(member, handle=handle))


def test_a_member_changes_the_handle_and_the_old_one_leads_to_the_new(
    member_client, member, django_assert_num_queries
):
    old = member.handle
    response = _change(member_client, member, "@Hanako-Y")
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.handle == "hanako-y"
    with django_assert_num_queries(3):  # session, member, the handle's owner
        assert member_client.get(f"/members/@{old}")["Location"] == "/members/@hanako-y"
    assert member_client.get("/members/@hanako-y")["Location"] == f"/members/{member.pk}/"


@pytest.mark.parametrize(
    ("handle", "error"),
    [
        ("ab", "ハンドル名は3〜40文字にしてください。"),
        ("x" * 41, "ハンドル名は3〜40文字にしてください。"),
        ("hanako!", "ハンドル名に使えるのは半角の英小文字・数字と「_」「.」「-」です。"),
        ("hanako-", "末尾は「.」「-」以外にしてください。"),
        ("山田花子さん", "ハンドル名に使えるのは半角の英小文字・数字と「_」「.」「-」です。"),
        ("山田", "ハンドル名に使えるのは半角の英小文字・数字と「_」「.」「-」です。"),
        ("admin", "このハンドル名は予約されているため使えません。"),
        (
            "OWN-LOCAL",
            "メールアドレスの@より前と同じハンドル名は、アドレスが推測されるため使えません。",
        ),
        ("OTHER", TAKEN),
        ("FORMER", TAKEN),
    ],
)
def test_a_bad_handle_is_explained_in_japanese_and_changes_nothing(
    member_client, member, handle, error
):
    other = MemberFactory(display_name_kana="ほか")
    services.member_handle_change(member=other, handle="someone-else")
    handle = {"OWN-LOCAL": member.email.partition("@")[0].upper(), "OTHER": "Someone-Else",
              "FORMER": "hoka"}.get(handle, handle)  # fmt: skip
    old = member.handle
    response = _change(member_client, member, handle)
    assert response.status_code == 200
    assert error in response.content.decode()
    member.refresh_from_db()
    assert member.handle == old
    assert not FormerHandle.objects.filter(member=member).exists()


def test_a_member_may_take_back_a_former_handle(db):
    member = MemberFactory(display_name_kana="さとう じろう")
    services.member_handle_change(member=member, handle="jiro-s")
    services.member_handle_change(member=member, handle="sato-jiro")
    member.refresh_from_db()
    assert member.handle == "sato-jiro"
    assert list(FormerHandle.objects.filter(member=member).values_list("handle", flat=True)) == [
        "jiro-s"
    ]


def test_a_mention_of_a_former_handle_in_a_new_post_reaches_the_member(db, committing):
    author, mentioned = MemberFactory(), MemberFactory(display_name_kana="やまだ はなこ")
    group = make_group(author, slug="saiken")
    Membership.objects.create(group=group, member=mentioned)
    services.member_handle_change(member=mentioned, handle="hanako-y")
    with committing():
        topic = group_services.topic_create(
            author=author, group=group, title="滞納整理", body="@yamada-hanako さん、ご意見を"
        )
    assert 'href="/members/@yamada-hanako"' in topic.posts.get().body_html
    assert Notification.objects.filter(recipient=mentioned, kind="mention").count() == 1


def test_the_migration_replaces_every_handle_made_from_the_email(db):
    migration = importlib.import_module("members.migrations.0008_handles_not_from_email")
    kept = MemberFactory(email="chosen@city.kobe.lg.jp", handle="my-own")
    plain = MemberFactory(email="Hanako.Yamada@city.kobe.lg.jp", display_name_kana="やまだ はなこ")
    numbered = MemberFactory(email="hanako.yamada@pref.hyogo.lg.jp", display_name_kana="")
    User.objects.filter(pk=plain.pk).update(handle="hanako.yamada")
    User.objects.filter(pk=numbered.pk).update(handle="hanako.yamada-2")

    migration.replace(apps, None)

    handles = dict(User.objects.values_list("pk", "handle"))
    assert handles[kept.pk] == "my-own"
    assert handles[plain.pk] == "yamada-hanako"
    assert handles[numbered.pk].startswith("member-")
    former = dict(FormerHandle.objects.values_list("handle", "member_id"))
    assert former == {"hanako.yamada": plain.pk, "hanako.yamada-2": numbered.pk}


def test_the_admin_shows_the_handle_and_former_handles_read_only(client, db):
    admin = MemberFactory(is_staff=True, is_superuser=True)
    member = MemberFactory(display_name_kana="きむら あや")
    services.member_handle_change(member=member, handle="aya-k")
    client.force_login(admin)
    page = client.get(reverse("admin:members_user_change", args=[member.pk])).content.decode()
    assert "aya-k" in page and "kimura-aya" in page
    assert 'name="handle"' not in page


# Handles made from the email address (hanako.yamada@… → @hanako.yamada): after the migrations
# they lead nowhere, old mentions of them say @yamada-hanako, and nobody else may take them.

MIGRATIONS = [
    ("members.migrations.0008_handles_not_from_email", "replace"),
    ("members.migrations.0010_former_handles_from_email", "mark"),
    ("groups.migrations.0006_mentions_not_from_email", "rewrite"),
    ("groups.chat.migrations.0005_mentions_not_from_email", "rewrite"),
]


def migrate_email_handles():
    for module, function in MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


def _unmasked(response) -> str:
    """The page without its own address (the language switch returns to it) and CSRF token
    (masked afresh for every response)."""
    page = response.content.decode().replace(response.request["PATH_INFO"], "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def member_with_email_handle():
    member = MemberFactory(email="Hanako.Yamada@city.kobe.lg.jp", display_name_kana="やまだ はなこ")
    User.objects.filter(pk=member.pk).update(handle="hanako.yamada")
    member.refresh_from_db()
    return member


def test_a_handle_made_from_the_email_is_not_found_like_a_handle_nobody_had(member_client):
    member_with_email_handle()
    chooser = MemberFactory(display_name_kana="さとう じろう")
    services.member_handle_change(member=chooser, handle="jiro-s")
    services.member_handle_change(member=chooser, handle="jiro-sato")
    migrate_email_handles()

    guessed = member_client.get("/members/@hanako.yamada")
    unknown = member_client.get("/members/@nobody.had-this")
    assert guessed.status_code == unknown.status_code == 404
    assert _unmasked(guessed) == _unmasked(unknown)
    # A handle the member chose and later changed still leads to them.
    assert member_client.get("/members/@jiro-s")["Location"] == "/members/@jiro-sato"


def test_old_mentions_of_a_handle_made_from_the_email_show_the_new_one(member_client, member):
    mentioned = member_with_email_handle()
    group = make_group(member, slug="saiken")
    Membership.objects.create(group=group, member=mentioned)
    body = (
        "@Hanako.Yamada さん、資料です。\n\n"
        "@hanako.yamada-san さんは別の方、info@hanako.yamada.example は宛先、`@hanako.yamada`"
    )
    topic = group_services.topic_create(
        author=member, group=group, title="@hanako.yamada さんへ", body=body
    )
    post = topic.posts.get()
    group_services.post_edit(editor=member, post=post, body=body + "\n\n追記")
    migrate_email_handles()

    post.refresh_from_db()
    page = member_client.get(reverse("groups:topic", args=[group.slug, topic.pk])).content.decode()
    assert 'class="mention" href="/members/@yamada-hanako"' in page
    assert ">@yamada-hanako</a> さん、資料です。" in page
    assert "<code>@yamada-hanako</code>" in page
    assert "@hanako.yamada-san" in page and "info@hanako.yamada.example" in page
    assert "@hanako.yamada " not in page and "@hanako.yamada<" not in page
    assert "@yamada-hanako さんへ" in page
    assert post.body_html == markdown.render(post.body).html
    assert post.revisions.get().previous_body.startswith("@yamada-hanako さん")
    assert member_client.get("/members/@yamada-hanako")["Location"] == f"/members/{mentioned.pk}/"


def test_the_notification_of_an_old_mention_quotes_the_new_handle(db):
    author, mentioned = MemberFactory(), member_with_email_handle()
    group = make_group(author, slug="saiken")
    Membership.objects.create(group=group, member=mentioned)
    group_services.topic_create(
        author=author, group=group, title="@hanako.yamada さんへ", body="@hanako.yamada さん"
    )
    migrate_email_handles()
    assert "「@yamada-hanako さんへ」" in Notification.objects.get(recipient=mentioned).text


def test_a_handle_made_from_the_email_in_a_new_post_notifies_nobody(db, committing):
    author, mentioned = MemberFactory(), member_with_email_handle()
    group = make_group(author, slug="saiken")
    Membership.objects.create(group=group, member=mentioned)
    migrate_email_handles()
    with committing():
        group_services.topic_create(
            author=author, group=group, title="滞納整理", body="@hanako.yamada さん、ご意見を"
        )
    assert not Notification.objects.filter(recipient=mentioned, kind="mention").exists()


def test_a_handle_made_from_the_email_stays_reserved(member_client, member):
    member_with_email_handle()
    migrate_email_handles()
    response = _change(member_client, member, "hanako.yamada")
    assert TAKEN in response.content.decode()
    member.refresh_from_db()
    assert member.handle != "hanako.yamada"


def test_trying_handles_to_find_taken_ones_stops_after_a_few_a_day(
    member_client, member, rate_limits
):
    member_with_email_handle()
    migrate_email_handles()
    for _ in range(10):
        assert TAKEN in _change(member_client, member, "hanako.yamada").content.decode()
    refused = _change(member_client, member, "hanako.yamada")
    assert refused.status_code == 429
    assert TAKEN not in refused.content.decode()
