"""The home page is the panels the apps registered, in order; the project names none of them."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from cityhall import home
from tests.factories import MemberFactory


@pytest.fixture
def extra_panels():
    added = []

    def add(panel):
        added.append(panel.key)
        return home.register(panel)

    yield add
    for key in added:
        home.unregister(key)


def test_the_apps_register_their_panels_in_order():
    keys = [panel.key for panel in home.panels()]
    assert keys[:4] == ["groups.needs_me", "groups.mine", "groups.topics", "groups.questions"]
    assert "members.profile" in keys
    orders = [panel.order for panel in home.panels()]
    assert orders == sorted(orders)


def test_a_later_app_adds_a_panel_without_touching_the_home_view(extra_panels, member_client):
    extra_panels(home.HomePanel("events.upcoming", 15, "members/home/people.html",
                                lambda member: {}))  # fmt: skip
    extra_panels(home.HomePanel("knowledge.hidden", 16, "members/home/people.html",
                                lambda member: None))  # fmt: skip
    keys = [shown.key for shown in home.shown_panels(MemberFactory())]
    assert keys.index("groups.needs_me") < keys.index("events.upcoming") < keys.index("groups.mine")
    assert "knowledge.hidden" not in keys
    page = member_client.get("/").content.decode()
    assert page.count('id="home-people"') == 2  # the registered one and members' own


def test_one_key_names_one_panel(extra_panels):
    panel = home.HomePanel("events.upcoming", 15, "x.html", lambda member: {})
    extra_panels(panel)
    assert home.register(panel) == panel  # the same again: nothing changes
    with pytest.raises(ImproperlyConfigured):
        home.register(home.HomePanel("events.upcoming", 16, "x.html", lambda member: {}))


def test_the_home_view_names_no_app():
    import inspect

    from cityhall import views

    source = inspect.getsource(views)
    assert "groups" not in source and "chat" not in source
