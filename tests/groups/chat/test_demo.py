"""The demo chat: natural Japanese in the hobby circles, replies, reactions and a mention."""

import pytest
from django.core.management import call_command

from groups.chat.models import Message
from groups.notifications import MENTION
from members.models import Notification, User

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_the_rooms_once_with_replies_reactions_and_a_mention():
    call_command("seed_demo", verbosity=0)
    count = Message.objects.count()
    call_command("seed_demo", verbosity=0)
    assert Message.objects.count() == count >= 10
    music = list(Message.objects.filter(room__group__slug="music").order_by("seq"))
    assert [m.seq for m in music] == list(range(1, len(music) + 1))
    assert music[2].reply_to == music[1] and "<strong>前回の楽譜</strong>" in music[2].body_html
    assert music[2].reactions.filter(kind="thanks").exists()
    member = User.objects.get(email="demo-member@city.kobe.lg.jp")
    mention = Notification.objects.get(recipient=member, kind=MENTION)
    assert mention.url.endswith(f"?seq={music[4].seq}#m{music[4].seq}")
