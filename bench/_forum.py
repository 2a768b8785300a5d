"""Topic groups for bench/pages.py: one open group the viewer and the colleague belong to,
with 30 topics in Japanese, the first of them 50 posts long, written through
``groups.services`` as members write them and drained into the search index. Made afresh each
run (a few seconds); the pages measured are the group list, the group's topic list, the long
topic, the member directory and a search that finds these topics. The viewer comes with unread
notifications, as a member who uses the site does: replies to a question of theirs, a mention in
a reply and one in the group's chat (the bell on every page checks each is still theirs to see).
"""

import time
from dataclasses import dataclass

SLUG = "pgbench-forum"
TOPICS = 30
POSTS = 50
REPLIES_TO_VIEWER = 5
TITLES = ["督促状の文例", "滞納整理の進め方", "分納誓約の管理", "差押えの順序", "納税相談の窓口"]
BODY = (
    "当市では督促状の発送後、10日を過ぎても納付がない場合に催告書を送っています。"
    "文例は財務局のひな形を基に、納付相談の窓口と電話番号を必ず入れるようにしました。"
)


@dataclass
class Forum:
    paths: list[tuple[str, str]]
    topics: int
    posts: int
    seconds: float


def ensure(viewer, colleague) -> Forum:
    from django.db import transaction
    from django.test import override_settings

    from groups import services
    from groups.models import Group, Membership
    from members.models import Notification
    from search import outbox

    started = time.perf_counter()
    # The last run's group goes, and with it what its posts notified: a notification whose
    # subject is gone makes the bell read its subjects apart (2 queries more on every page).
    Notification.objects.filter(recipient__in=[viewer, colleague]).delete()
    Group.objects.filter(slug=SLUG).delete()
    group = Group.objects.create(slug=SLUG, name="滞納整理の実務(計測)", description="計測用",
                                 kind=Group.Kind.OPEN, status=Group.Status.ACTIVE,
                                 chat_enabled=True, proposed_by=colleague)  # fmt: skip
    for member in (viewer, colleague):
        Membership.objects.create(group=group, member=member)
    # The writes of one bench, not of a person: the per-member limits are for people.
    with override_settings(RATE_LIMITS_ENABLED=False), transaction.atomic():
        topics = [
            services.topic_create(author=colleague, group=group, body=BODY,
                                  title=f"{TITLES[number % len(TITLES)]}について(その{number})")
            for number in range(TOPICS)
        ]  # fmt: skip
        for number in range(POSTS - 1):
            author = viewer if number % 3 else colleague
            services.post_create(author=author, topic=topics[0], body=f"{BODY}({number + 1})")
        _notify(viewer, colleague, group)
    outbox.drain()
    paths = [
        ("group list", "/groups/"),
        ("group topic list", f"/groups/{SLUG}/"),
        ("topic (50 posts)", f"/groups/{SLUG}/t/{topics[0].pk}/"),
        ("member directory", "/members/"),
        ("search results", "/search/?q=%E7%9D%A3%E4%BF%83%E7%8A%B6"),  # 督促状
    ]
    return Forum(paths, TOPICS, POSTS, round(time.perf_counter() - started, 1))


def _notify(viewer, colleague, group) -> None:
    """Unread notifications for the viewer of three kinds, written as members write them."""
    from groups import services
    from groups.chat import services as chat_services

    question = services.topic_create(author=viewer, group=group, title="滞納整理の引継ぎについて",
                                     body=BODY)  # fmt: skip
    for number in range(REPLIES_TO_VIEWER):
        services.post_create(author=colleague, topic=question, body=f"{BODY}(回答{number + 1})")
    services.post_create(author=colleague, topic=question, body=f"@{viewer.handle} さん、{BODY}")
    room = chat_services.room_for_group(group)
    chat_services.message_send(author=colleague, room=room, client_id="bench-mention",
                               body=f"@{viewer.handle} さん、資料を共有しました。")  # fmt: skip
