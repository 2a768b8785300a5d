"""Moderators stop a member from posting for a while; owners switch a group's chat off."""

import pytest
from django.urls import reverse

from groups.chat import services
from groups.chat.models import Mute
from groups.models import Membership, ModerationLog
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(owner):
    return services.room_for_group(make_group(owner, slug="ongaku", name="音楽サークル"))


@pytest.fixture
def talker(room):
    member = MemberFactory(display_name="吹奏 太郎")
    Membership.objects.create(group=room.group, member=member)
    return member


def _mutes_url(room):
    return reverse("chat:mutes", args=[room.group.slug])


def test_a_moderator_mutes_a_member_by_handle_and_lifts_it_early(room, owner, talker):
    client = client_for(owner)
    response = client.post(_mutes_url(room), {"member": f"@{talker.handle}", "minutes": 60,
                                              "reason": "宣伝の連投"})  # fmt: skip
    assert response.status_code == 302
    assert "吹奏 太郎" in client.get(_mutes_url(room)).content.decode()
    with pytest.raises(services.ChatError) as refused:
        services.message_send(author=talker, room=room, client_id="c1", body="まだ話せる?")
    assert refused.value.code == "muted"
    mute = Mute.objects.get(member=talker)
    client.post(reverse("chat:mute_lift", args=[room.group.slug, mute.pk]))
    assert services.message_send(author=talker, room=room, client_id="c2", body="戻りました")[1]
    actions = list(
        ModerationLog.objects.filter(target_member=talker).values_list("action", flat=True)
    )
    assert sorted(actions) == ["chat_mute", "chat_unmute"]


@pytest.mark.parametrize(
    ("handle", "error"),
    [("nobody-here", "このグループのメンバーに @nobody-here はいません。"),
     ("OWNER", "オーナーとモデレーターの発言は止められません。")],
)  # fmt: skip
def test_a_bad_mute_is_explained_in_japanese_and_stores_nothing(room, owner, handle, error):
    handle = owner.handle if handle == "OWNER" else handle
    response = client_for(owner).post(_mutes_url(room), {"member": handle, "minutes": 10})
    assert response.status_code == 200 and error.replace("@", "@") in response.content.decode()
    assert not Mute.objects.exists()


def test_plain_members_cannot_mute_or_lift(room, owner, talker):
    mute = services.member_mute(moderator=owner, room=room, member=talker, minutes=10)
    plain = client_for(talker)
    assert plain.get(_mutes_url(room)).status_code == 404
    assert plain.post(_mutes_url(room), {"member": owner.handle, "minutes": 10}).status_code == 404
    lift = reverse("chat:mute_lift", args=[room.group.slug, mute.pk])
    assert plain.post(lift).status_code == 404
    assert services.is_muted(talker, room)


def test_the_owner_switches_chat_off_and_on_and_the_messages_stay(room, owner, talker):
    services.message_send(author=talker, room=room, client_id="c1", body="残るはずの発言")
    client, slug = client_for(owner), room.group.slug
    room_url = reverse("chat:room", args=[slug])
    client.post(reverse("chat:switch", args=[slug]), {})
    assert client.get(room_url).status_code == 404
    assert client_for(talker).get(room_url).status_code == 404
    client.post(reverse("chat:switch", args=[slug]), {"enabled": "on"})
    assert "残るはずの発言" in client.get(room_url).content.decode()
    assert set(ModerationLog.objects.values_list("action", flat=True)) >= {"chat_off", "chat_on"}


def test_only_owners_switch_chat(room, talker):
    moderator = MemberFactory()
    Membership.objects.create(group=room.group, member=moderator, role=Membership.Role.MODERATOR)
    url = reverse("chat:switch", args=[room.group.slug])
    assert client_for(moderator).post(url, {}).status_code == 403
    assert client_for(MemberFactory()).post(url, {}).status_code == 403  # an open group: known
    room.group.refresh_from_db()
    assert room.group.chat_enabled


def test_the_room_page_does_not_show_chat_messages_as_site_notices(room, owner):
    services.message_send(author=owner, room=room, client_id="c1", body="お知らせではない")
    page = client_for(owner).get(reverse("chat:room", args=[room.group.slug])).content.decode()
    assert 'class="messages"' not in page and "お知らせではない" in page


def test_the_moderation_log_says_what_happened_in_words(room, owner, talker):
    services.member_mute(moderator=owner, room=room, member=talker, minutes=10, reason="連投")
    page = client_for(owner).get(reverse("groups:moderation", args=[room.group.slug]))
    text = page.content.decode()
    assert "チャットの発言を停止した" in text and "chat_mute" not in text
    assert "このグループでチャットを使う" in text  # the owner's switch


def test_the_service_refuses_to_mute_moderators_and_outsiders(room, owner):
    moderator = MemberFactory()
    Membership.objects.create(group=room.group, member=moderator, role=Membership.Role.MODERATOR)
    for target in (moderator, MemberFactory()):
        with pytest.raises(services.ChatError):
            services.member_mute(moderator=owner, room=room, member=target, minutes=10)
    assert not Mute.objects.exists()
