"""The registries apps fill from AppConfig.ready(): notification kinds and moderation queues.
The project lists what the apps registered and knows none of them."""

import pytest
from django.urls import reverse
from django.utils import translation

from cityhall import moderation, notifications
from cityhall.moderation import ModerationQueue
from cityhall.notifications import NotificationKind
from members import services
from members.models import Notification

# Every kind and event stored before the registries existed: these rows must keep rendering.
STORED_BEFORE = {
    ("welcome", None): {"name": "山田"},
    ("transfer", None): {"old": "神戸市", "new": "大阪市"},
    ("organization_confirmed", None): {"organization": "神戸市"},
    ("mention", None): {"topic": "題", "actor": "山田"},
    ("reply", None): {"topic": "題", "actor": "山田"},
    ("watched_reply", None): {"topic": "題", "actor": "山田"},
    ("accepted_answer", None): {"topic": "題"},
    ("group", "approved"): {"group": "債権回収", "name": ""},
    ("group", "declined"): {"group": "債権回収", "name": ""},
    ("group", "requested"): {"group": "債権回収", "name": "山田"},
    ("group", "request_approved"): {"group": "債権回収", "name": ""},
    ("group", "request_declined"): {"group": "債権回収", "name": ""},
    ("group", "invited"): {"group": "債権回収", "name": "山田"},
}


@pytest.fixture
def extra_kind():
    """A kind registered the way a later app would, taken away after the test."""
    kind = notifications.register(
        NotificationKind(
            key="test_session",
            label="勉強会のお知らせ",
            wording="「%(title)s」が始まります。",
            email_by_default=True,
            order=30,
        )
    )
    yield kind
    notifications._kinds.pop(kind.key)


@pytest.fixture
def extra_queue():
    queue = moderation.register(
        ModerationQueue(
            key="test_reports",
            label="勉強会の報告",
            url=lambda member: "/reports/",
            count=lambda member: 7 if member.department == "報告係" else None,
            order=5,
        )
    )
    yield queue
    moderation._queues.pop(queue.key)


@pytest.mark.parametrize(("kind", "event"), list(STORED_BEFORE))
def test_rows_stored_before_the_registry_still_render(db, member, kind, event):
    params = {**STORED_BEFORE[(kind, event)], **({"event": event} if event else {})}
    row = Notification.objects.create(recipient=member, kind=kind, params=params)
    with translation.override("ja"):
        text = Notification.objects.get(pk=row.pk).text
    assert "%(" not in text and text != kind
    assert all(value in text for value in params.values() if value and value != event)
    assert notifications.get(kind).text(params) == text


def test_every_app_registers_its_kinds():
    keys = [kind.key for kind in notifications.registered()]
    # members' own kinds first (order 10), then groups' (order 20), each in declaration order
    assert keys[:3] == ["welcome", "transfer", "organization_confirmed"]
    assert {"mention", "reply", "watched_reply", "accepted_answer", "group", "moderation"} <= set(
        keys
    )
    assert dict(Notification._meta.get_field("kind").choices)["mention"] == "@で呼びかけられた"


def test_text_is_translated_when_shown():
    with translation.override("en"):
        english = notifications.text("reply", {"topic": "T", "actor": "A"})
    with translation.override("ja"):
        japanese = notifications.text("reply", {"topic": "T", "actor": "A"})
    assert japanese == "Aさんが「T」に返信しました。"
    assert english != japanese and "T" in english


def test_an_unknown_event_or_missing_param_shows_the_label_and_an_unknown_kind_its_key():
    with translation.override("ja"):
        assert notifications.text("group", {"event": "no-such"}) == "グループの参加・招待・審査"
        assert notifications.text("reply", {}) == "自分のトピックへの返信"
        assert notifications.text("gone_app_kind", {}) == "gone_app_kind"


def test_registering_a_key_again_replaces_it_in_place(extra_kind):
    before = [kind.key for kind in notifications.registered()]
    notifications.register(
        NotificationKind(key="test_session", label="別名", wording="x", order=30)
    )
    assert [kind.key for kind in notifications.registered()] == before
    assert notifications.get("test_session").label == "別名"


def test_a_kind_nobody_registered_cannot_be_sent(member):
    with pytest.raises(ValueError, match="not registered"):
        services.notification_create(recipient=member, kind="no_such_kind", params={})


def test_preferences_page_lists_every_configurable_kind(member_client, extra_kind):
    response = member_client.get(reverse("members:notification_preferences"))
    page = response.content.decode()
    assert "勉強会のお知らせ" in page and 'name="test_session-email" checked' in page
    assert "@で呼びかけられた" in page and "モデレーターへの知らせ" in page
    assert "ようこそ" not in page  # not configurable
    rows = [row[0] for row in response.context["rows"]]
    assert rows.index("mention") < rows.index("test_session")  # by order


def test_a_registered_kind_uses_its_defaults_and_the_members_choice(member, extra_kind):
    sent = services.notification_create(
        recipient=member, kind="test_session", params={"title": "債権"}
    )
    assert sent.emailed_at is None and sent.read_at is None  # mailed and shown by default
    assert sent.text == "「債権」が始まります。"
    services.notification_preferences_set(member=member, choices={"test_session": (True, False)})
    again = services.notification_create(
        recipient=member, kind="test_session", params={"title": "債権"}
    )
    assert again.emailed_at is not None  # not to be mailed


def test_saving_preferences_covers_registered_kinds(member, member_client, extra_kind):
    response = member_client.post(
        reverse("members:notification_preferences"), {"test_session-in_app": "on"}
    )
    assert response.status_code == 302
    assert services.notification_channels(member, "test_session") == (True, False)
    assert services.notification_channels(member, "mention") == (False, False)


def test_moderation_queues_are_ordered_and_only_those_a_member_handles_are_waiting(
    member, extra_queue
):
    assert moderation.registered()[0] is extra_queue  # order 5, before groups' queues
    assert [item.key for item in moderation.waiting(member)] == []
    member.department = "報告係"
    member.save()
    member = type(member).objects.get(pk=member.pk)  # the next request's member
    waiting = moderation.waiting(member)
    assert moderation.waiting(member) is waiting  # asked once for the request's member
    assert [(item.key, item.count, item.url) for item in waiting] == [
        ("test_reports", 7, "/reports/")
    ]


def test_moderation_overview_and_nav_list_a_registered_queue(member, member_client, extra_queue):
    assert member_client.get(reverse("moderation")).status_code == 403
    page = member_client.get(reverse("home")).content.decode()
    assert reverse("moderation") not in page  # moderates nothing: no entry in the nav
    member.department = "報告係"
    member.save()
    page = member_client.get(reverse("moderation")).content.decode()
    assert '<a href="/reports/">勉強会の報告</a>' in page and "7件" in page
    home = member_client.get(reverse("home"))
    assert home.context["moderation_total"] == 7
    assert f'href="{reverse("moderation")}"' in home.content.decode()
