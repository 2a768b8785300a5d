"""Chat writes on the real database: numbering, idempotency, edits, tombstones, limits."""

import pytest
from django.core.exceptions import PermissionDenied

from cityhall.ratelimits import RateLimited
from groups.chat import selectors, services
from groups.chat.models import Message, Room
from groups.models import Membership
from members import services as member_services
from members.models import Notification
from tests.factories import MemberFactory
from tests.members.test_handles import member_with_email_handle, migrate_email_handles

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(group):
    return services.room_for_group(group)


@pytest.fixture
def talker(group):
    member = MemberFactory(display_name="発言 一郎", handle="ichiro")
    Membership.objects.create(group=group, member=member)
    return member


def send(member, room, client_id, body="こんにちは"):
    return services.message_send(author=member, room=room, client_id=client_id, body=body)


def test_messages_are_numbered_without_gaps_and_a_resend_is_not_a_second_message(room, talker):
    first, created = send(talker, room, "c-1")
    again, created_again = send(talker, room, "c-1", body="違う本文でも")
    second, _ = send(talker, room, "c-2")
    assert created and not created_again and again.pk == first.pk
    assert [m.seq for m in Message.objects.filter(room=room)] == [1, 2]
    assert second.change == 2 and Room.objects.get(pk=room.pk).last_seq == 2


def test_edit_delete_and_reaction_each_take_the_next_change(room, talker, owner):
    message, _ = send(talker, room, "c-1", body="元の文")
    services.message_edit(editor=talker, message=message, body="直した文")
    services.reaction_toggle(member=owner, message=message, kind="thanks")
    services.message_delete(actor=owner, message=message)  # the owner moderates
    message.refresh_from_db()
    assert message.change == 4 and message.is_deleted and message.body == ""
    assert selectors.missed(room.pk, seq_after=1, change_after=1)[1] == [message]


def test_others_cannot_edit_and_a_tombstone_cannot_be_edited(room, talker, owner):
    message, _ = send(talker, room, "c-1")
    with pytest.raises(PermissionDenied):
        services.message_edit(editor=owner, message=message, body="他人が編集")
    services.message_delete(actor=talker, message=message)
    with pytest.raises(PermissionDenied):
        services.message_edit(editor=talker, message=message, body="削除後")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("\u200b\u200b\n\ufeff", "empty"),
        ("あ" * 4001, "too_long"),
        (None, "empty"),
    ],
)
def test_bad_bodies_are_refused_and_nothing_is_stored(room, talker, body, code):
    with pytest.raises(services.ChatError) as refused:
        send(talker, room, "c-1", body=body)
    assert refused.value.code == code
    assert not Message.objects.exists() and Room.objects.get(pk=room.pk).last_seq == 0


def test_eleventh_message_in_ten_seconds_is_refused(room, talker, rate_limits):
    for number in range(10):
        send(talker, room, f"c-{number}")
    with pytest.raises(RateLimited) as refused:
        send(talker, room, "c-10")
    assert refused.value.code == "rate_limited"
    assert Message.objects.count() == 10


def test_muted_members_and_outsiders_cannot_send(room, talker, owner):
    services.member_mute(moderator=owner, room=room, member=talker, minutes=30, reason="連投")
    with pytest.raises(services.ChatError) as refused:
        send(talker, room, "c-1")
    assert refused.value.code == "muted"
    with pytest.raises(PermissionDenied):
        send(MemberFactory(), room, "c-2")  # open group, but not a member
    with pytest.raises(PermissionDenied):
        services.member_mute(moderator=talker, room=room, member=owner, minutes=5)


def test_a_mention_notifies_a_member_of_the_room_only(room, talker, owner, committing):
    outsider = MemberFactory(handle="soto")
    owner.handle = "hanako"
    owner.save()
    with committing():
        send(talker, room, "c-1", body="@hanako さん、@soto さん、資料を共有します")
    assert Notification.objects.filter(recipient=owner, kind="mention").count() == 1
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_a_mention_of_a_former_handle_reaches_the_member(room, talker, owner, committing):
    old = owner.handle
    member_services.member_handle_change(member=owner, handle="hanako-s")
    with committing():
        send(talker, room, "c-1", body=f"@{old.upper()} さん、資料を共有します")
    assert Notification.objects.filter(recipient=owner, kind="mention").count() == 1


def test_transcript_is_markdown_in_order_without_deleted_messages(room, talker):
    send(talker, room, "c-1", body="一つ目")
    gone, _ = send(talker, room, "c-2", body="消す")
    send(talker, room, "c-3", body="三つ目")
    services.message_delete(actor=talker, message=gone)
    text = selectors.transcript_markdown(room, "債権回収")
    assert text.index("一つ目") < text.index("三つ目") and "消す" not in text
    assert text.startswith("# 債権回収 チャット記録") and "**発言 一郎**" in text


def test_old_chat_mentions_of_a_handle_made_from_the_email_show_the_new_one_and_new_ones_miss(
    room, group, talker, committing
):
    mentioned = member_with_email_handle()
    Membership.objects.create(group=group, member=mentioned)
    old, _ = send(talker, room, "c-1", body="@hanako.yamada さん、資料です")
    migrate_email_handles()
    old.refresh_from_db()
    assert old.body == "@yamada-hanako さん、資料です"
    assert 'href="/members/@yamada-hanako"' in old.body_html
    assert "hanako.yamada" not in old.body_html
    Notification.objects.all().delete()
    with committing():
        send(talker, room, "c-2", body="@hanako.yamada さん、もう一件")
        send(talker, room, "c-3", body="@yamada-hanako さん、もう一件")
    assert Notification.objects.filter(recipient=mentioned, kind="mention").count() == 1
