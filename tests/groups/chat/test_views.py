"""The room page, its history over HTTP and the transcript: members only, one 404 for all."""

import pytest
from django.urls import reverse

from groups.chat import services
from groups.models import Membership
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(owner, settings):
    group = make_group(owner, kind="secret", slug="himitsu", name="秘密の相談室")
    room = services.room_for_group(group)
    for number in range(1, 61):
        services.message_send(author=owner, room=room, client_id=f"c{number}", body=f"発言{number}")
    return group, room


def test_member_reads_the_latest_page_and_earlier_pages(chat, owner):
    group, _room = chat
    client = client_for(owner)
    page = client.get(reverse("chat:room", args=[group.slug])).content.decode()
    assert "発言60" in page and "発言10<" not in page and 'data-after="60"' in page
    earlier = client.get(reverse("chat:messages", args=[group.slug]), {"before": 11}).json()
    assert [m["seq"] for m in earlier["messages"]] == list(range(1, 11))
    gap = client.get(reverse("chat:messages", args=[group.slug]), {"after": 20, "before": 24})
    assert [m["seq"] for m in gap.json()["messages"]] == [21, 22, 23]


def test_jump_to_a_message_shows_the_page_around_it(chat, owner):
    group, _room = chat
    page = client_for(owner).get(reverse("chat:room", args=[group.slug]), {"seq": 5}).content
    assert 'id="m5"' in page.decode() and 'id="m60"' not in page.decode()


@pytest.mark.parametrize("name", ["chat:room", "chat:messages", "chat:transcript"])
def test_outsiders_get_the_same_404_as_for_a_missing_room(chat, name):
    group, _room = chat
    outsider = client_for(MemberFactory())
    assert outsider.get(reverse(name, args=[group.slug])).status_code == 404
    assert outsider.get(reverse(name, args=["no-such-group"])).status_code == 404


def test_only_moderators_export_the_transcript(chat, owner):
    group, _room = chat
    plain = MemberFactory()
    Membership.objects.create(group=group, member=plain)
    url = reverse("chat:transcript", args=[group.slug])
    assert client_for(plain).get(url).status_code == 404
    response = client_for(owner).get(url)
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.index("発言1\n") < text.index("発言60")


def test_a_room_is_opened_on_first_visit(owner):
    from groups.chat.models import Room

    group = make_group(owner, slug="atarashii", name="新しいグループ")
    assert client_for(owner).get(reverse("chat:room", args=[group.slug])).status_code == 200
    assert Room.objects.filter(group=group).count() == 1


def test_a_group_with_chat_switched_off_has_no_room(chat, owner):
    group, _room = chat
    group.chat_enabled = False
    group.save()
    assert client_for(owner).get(reverse("chat:room", args=[group.slug])).status_code == 404


def _queries(group, url, params=None) -> int:
    """Queries for a member's first visit (whose read marker is stored)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = MemberFactory()
    Membership.objects.create(group=group, member=member, role=Membership.Role.MODERATOR)
    client = client_for(member)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "params"), [("chat:room", None), ("chat:messages", {"before": 61}),
                         ("chat:messages", {"after": 0}), ("chat:mutes", None)],
)  # fmt: skip
def test_pages_cost_the_same_queries_for_few_and_many(chat, owner, name, params):
    group, room = chat
    url = reverse(name, args=[group.slug])
    talkers, quiet = [], []
    for number in range(10):
        member = MemberFactory()
        Membership.objects.create(group=group, member=member)
        (talkers if number < 5 else quiet).append(member)
    room.messages.filter(seq__gt=3).delete()
    services.member_mute(moderator=owner, room=room, member=quiet[0], minutes=10)
    few = _queries(group, url, params)
    for number, talker in enumerate(talkers * 10):
        message = services.message_send(author=talker, room=room, client_id=f"m{number}",
                                        body=f"多数{number}")[0]  # fmt: skip
        services.reaction_toggle(member=owner, message=message, kind="like")
    for member in quiet[1:]:
        services.member_mute(moderator=owner, room=room, member=member, minutes=10)
    many = _queries(group, url, params)
    assert many == few <= 19  # on the room page: the nav's moderation counts (a moderator:
    # groups' queues, then the knowledge review queue) and its unread chat count


def test_the_transcript_numbers_messages_and_keeps_the_place_of_deleted_ones(chat, owner):
    group, room = chat
    first = room.messages.get(seq=1)
    services.message_delete(actor=owner, message=room.messages.get(seq=2))
    services.message_send(author=owner, room=room, client_id="r", body="返信です", reply_to_seq=1)
    text = client_for(owner).get(reverse("chat:transcript", args=[group.slug])).content.decode()
    assert f"**{owner.display_name}** (" in text and ") #1\n" in text
    assert "(削除されたメッセージ)" in text and "発言2\n" not in text
    assert f"> {first.author.display_name}さんの #1 への返信\n\n返信です" in text


def test_a_muted_member_sees_until_when_and_why(chat, owner):
    group, room = chat
    talker = MemberFactory()
    Membership.objects.create(group=group, member=talker)
    services.member_mute(moderator=owner, room=room, member=talker, minutes=60, reason="連投のため")
    page = client_for(talker).get(reverse("chat:room", args=[group.slug])).content.decode()
    assert "まで発言を停止されています。" in page and "理由: 連投のため" in page
