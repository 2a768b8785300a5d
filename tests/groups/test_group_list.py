"""The group list (/groups/) as a member reads it: each group's card with its name, kind,
whether they belong, description, members, last activity and their unread, new and chat
counts, in Japanese and in English, with whatever a member wrote shown as text."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation

from cityhall import translating
from groups import services
from groups.chat import services as chat_services
from groups.models import Group, Membership
from tests.factories import GroupFactory, MemberFactory
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db
LONG = "滞納整理の相談をします。" * 20  # 240 characters


def _card(page: str, name: str) -> str:
    """The card of the group named ``name`` (as written in the page)."""
    start = page.index(f">{name}</a>")
    return page[page.rindex('<li class="group-card">', 0, start) : page.index("</li>", start)]


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def reader():
    return MemberFactory(display_name="朝読 太郎")


@pytest.fixture
def groups(reader):
    owner = MemberFactory()
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=ZoneInfo("UTC"))  # 12月2日 08:30 in Tokyo
    mine = GroupFactory(owner=owner, slug="saiken", name="<b>債権</b>回収", description=LONG,
                        kind=Group.Kind.CLOSED)  # fmt: skip
    Membership.objects.create(group=mine, member=reader)
    other = GroupFactory(owner=owner, slug="music", name="音楽サークル", description="合奏<i>")
    Group.objects.filter(pk__in=[mine.pk, other.pk]).update(last_activity_at=moment)
    return mine, other, owner


def test_a_card_shows_the_group_as_text_with_its_kind_members_and_activity(reader, groups):
    page = client_for(reader).get(reverse("groups:index")).content.decode()
    mine = _card(page, "&lt;b&gt;債権&lt;/b&gt;回収")
    other = _card(page, "音楽サークル")

    url = reverse("groups:detail", args=["saiken"])
    assert f'<a class="group-card__name" href="{url}">&lt;b&gt;債権&lt;/b&gt;回収</a>' in mine
    assert "<b>" not in page and "<i>" not in page
    text = _text(mine)
    assert "承認制(参加は承認が必要)" in text and "参加中" in text and "メンバー 2 人" in text
    assert f"{LONG[:119]}…" in text and LONG not in text
    assert '<time datetime="2026-12-02T08:30:00+09:00">' in mine
    assert "最終更新 2026年12月2日(水) 08:30" in text
    assert "参加中" not in _text(other) and "合奏&lt;i&gt;" in other
    assert "メンバー 1 人" in _text(other)


def test_a_card_counts_what_the_member_has_not_read(reader, groups):
    mine, _other, owner = groups
    opened = services.topic_create(author=owner, group=mine, title="差押え", body="本文")
    services.topic_mark_read(member=reader, topic=opened, number=1)
    services.post_create(author=owner, topic=opened, body="追記")
    services.topic_create(author=owner, group=mine, title="分納", body="新しい話題")
    services.topic_create(author=owner, group=mine, title="時効", body="もう一つ")
    room = chat_services.room_for_group(mine)
    for body in ("一", "二", "三"):
        chat_services.message_send(author=owner, room=room, client_id=body, body=body)

    card = _card(client_for(reader).get(reverse("groups:index")).content.decode(),
                 "&lt;b&gt;債権&lt;/b&gt;回収")  # fmt: skip

    assert "未読 1 · 新着 2 · チャット 未読 3" in _text(card)
    assert f'<a href="{reverse("chat:room", args=["saiken"])}"><strong>チャット 未読 3' in card


def test_a_card_in_english(reader, groups):
    client = client_for(reader)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("groups:index")).content.decode()

    mine, other = (
        _text(_card(page, "&lt;b&gt;債権&lt;/b&gt;回収")),
        _text(_card(page, "音楽サークル")),
    )
    assert "2 members · Last activity Wed, Dec 2, 2026, 08:30" in mine and "Member" in mine
    assert "1 member · Last activity" in other


def test_the_remembered_ngettext_follows_the_language_and_the_number():
    with translation.override("en"):
        assert translating.ngettext("メンバー %(counter)s 人", "メンバー %(counter)s 人", 1) == (
            "%(counter)s member"
        )
        assert translating.ngettext("メンバー %(counter)s 人", "メンバー %(counter)s 人", 2) == (
            "%(counter)s members"
        )
    with translation.override("ja"):
        assert translating.ngettext("メンバー %(counter)s 人", "メンバー %(counter)s 人", 2) == (
            "メンバー %(counter)s 人"
        )


def test_a_search_that_finds_no_group_says_so_with_the_words(reader, groups):
    page = client_for(reader).get(reverse("groups:index"), {"q": "<b>ドローン"}).content.decode()
    assert "「&lt;b&gt;ドローン」に合うグループはありません。" in page
    assert "グループはまだありません" not in page
