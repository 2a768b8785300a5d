"""The home page is the panels the apps registered, in order; the project names none of them.
Counts beside the navigation's links come from a registry of the same shape."""

import pytest

from cityhall import home, navigation
from tests.factories import MemberFactory


@pytest.fixture
def extra_panels():
    """Panels registered the way a later app would, taken away after the test."""
    added = []

    def add(panel):
        added.append(panel.key)
        return home.register(panel)

    yield add
    for key in added:
        home._panels.pop(key, None)


def test_the_apps_register_their_panels_in_order():
    keys = [panel.key for panel in home.registered()]
    assert keys[:3] == ["groups.needs_me", "groups.mine", "events.my_next"]
    assert keys.index("groups.topics") < keys.index("groups.questions")
    assert "members.profile" in keys
    orders = [panel.order for panel in home.registered()]
    assert orders == sorted(orders)


def test_a_later_app_adds_a_panel_without_touching_the_home_view(extra_panels, member_client):
    extra_panels(home.HomePanel("events.upcoming", 15, "members/home/people.html",
                                lambda member: {}))  # fmt: skip
    extra_panels(home.HomePanel("knowledge.hidden", 16, "members/home/people.html",
                                lambda member: None))  # fmt: skip
    keys = [shown.key for shown in home.shown(MemberFactory())]
    assert keys.index("groups.needs_me") < keys.index("events.upcoming") < keys.index("groups.mine")
    assert "knowledge.hidden" not in keys
    page = member_client.get("/").content.decode()
    assert page.count('id="home-people"') == 2  # the registered one and members' own


def test_a_key_registered_again_replaces_the_panel_in_its_first_place(extra_panels):
    extra_panels(home.HomePanel("events.a", 15, "a.html", lambda member: {}))
    extra_panels(home.HomePanel("events.b", 15, "b.html", lambda member: {}))
    extra_panels(home.HomePanel("events.a", 15, "a2.html", lambda member: {}))
    same_order = [panel for panel in home.registered() if panel.order == 15]
    assert [panel.template for panel in same_order] == ["a2.html", "b.html"]
    assert home.get("events.a").template == "a2.html"


def test_chat_counts_beside_groups_in_the_navigation():
    count = navigation.get("chat.unread")
    assert count is not None and count.link == "groups"


def test_the_home_view_names_no_app():
    import inspect

    from cityhall import views

    source = inspect.getsource(views.home)
    assert "groups" not in source and "chat" not in source


@pytest.mark.django_db
def test_the_demo_members_home_pages_cost_at_most_twelve_queries():
    """Every panel has something for them (groups, topics, answers, questions in their fields,
    sessions they attend or run, the knowledge base); the bell's checks come on top, one per
    kind of subject their unread notifications are about, however many notifications."""
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from members.models import Notification, User
    from members.notification_subjects import _checks
    from tests.groups.conftest import client_for

    call_command("seed_demo", verbosity=0)
    emails = ["demo-member@city.kobe.lg.jp", "demo-organizer@pref.kanagawa.lg.jp",
              "demo-moderator@city.funabashi.lg.jp", "demo-admin@soumu.go.jp"]  # fmt: skip

    def queries(member) -> int:
        client = client_for(member)
        client.get("/")
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    members = [User.objects.get(email=email) for email in emails]
    unread = [queries(member) for member in members]
    assert max(unread) <= 12 + 1 + len(_checks), unread  # the memberships, a load per kind
    Notification.objects.update(read_at=timezone.now())
    read = [queries(member) for member in members]
    assert max(read) <= 12, read
