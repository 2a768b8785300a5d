"""The groups' panels on the home page (cityhall.home), registered from GroupsConfig.ready:
what needs the member, their groups with unread counts, the latest and unread topics in them,
and open questions in their fields of work. Each reads through selectors that take the member
and cost a fixed number of queries."""

from cityhall import moderation
from cityhall.home import HomePanel, register
from cityhall.links import link_maker
from groups import notifications, selectors, unread
from members import selectors as member_selectors


def needs_me(member) -> dict:
    """Unread mentions, replies to the member's questions, and what waits in the moderation
    queues they handle (cityhall.moderation: the same counts as the navigation's entry)."""
    mentions = member_selectors.unread_notifications(member, [notifications.MENTION])
    answers = selectors.answers_to_my_questions(member)
    waiting = [item for item in moderation.waiting(member) if item.count]
    return {
        "mentions": mentions[: selectors.HOME_ITEMS],
        "mention_count": len(mentions),
        "answers": answers,
        "waiting": waiting,
        "nothing": not (mentions or answers or waiting),
    }


def my_groups(member) -> dict:
    chat = unread.by_group(member).get("chat", {})
    rows = [
        {"group": group, "unread": group.unread, "new": group.new, "chat": chat.get(group.pk, 0)}
        for group in selectors.my_groups_with_unread(member)
    ]
    return {"rows": rows}


def topics(member) -> dict | None:
    unread_topics, latest = selectors.home_topics(member)
    if not unread_topics and not latest:
        return None
    return {"unread_topics": _linked(unread_topics), "latest_topics": _linked(latest)}


def questions(member) -> dict | None:
    names = member_selectors.work_field_names(member)
    if not names:
        return None
    return {"questions": _linked(selectors.open_questions_in_fields(member)), "fields": names}


def _linked(topics: list) -> list:
    """Each topic with its ``url``, from one reversed link per group (cityhall.links)."""
    makers: dict = {}
    for topic in topics:
        slug = topic.group.slug
        if slug not in makers:
            makers[slug] = link_maker("groups:topic", slug)
        topic.url = makers[slug](topic.pk)
    return topics


def register_panels() -> None:
    register(HomePanel("groups.needs_me", 10, "groups/home/needs_me.html", needs_me))
    register(HomePanel("groups.mine", 20, "groups/home/my_groups.html", my_groups))
    register(HomePanel("groups.topics", 30, "groups/home/topics.html", topics))
    register(HomePanel("groups.questions", 40, "groups/home/questions.html", questions))
