"""「ナレッジの新着」 on the home page: the newest pages the member may see in the sections of
their fields of work and of their groups; left out when there is nothing; a fixed number of
queries however many sections and pages there are."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledge import home
from knowledge.models import ArticlePage, SectionPage
from knowledge.services import ensure_home
from members.models import User, WorkField
from tests.factories import GroupFactory, MemberFactory, MembershipFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page

pytestmark = pytest.mark.django_db
PANEL = 'id="home-knowledge"'


@pytest.fixture
def sections(db):
    """財政 (a field), a group's section, and 福祉 (a field the reader does not work in)."""
    knowledge = ensure_home()
    group = GroupFactory(slug="saiken", name="債権回収")
    finance = add_page(knowledge, SectionPage(
        title="財政", slug="zaisei", work_field=WorkField.objects.get(name="財政")
    ))  # fmt: skip
    grouped = add_page(knowledge, SectionPage(title="債権回収", slug="saiken", group=group))
    welfare = add_page(knowledge, SectionPage(
        title="福祉", slug="fukushi", work_field=WorkField.objects.get(name="福祉")
    ))  # fmt: skip
    return {"finance": finance, "group": group, "grouped": grouped, "welfare": welfare}


@pytest.fixture
def reader(sections):
    member = MemberFactory(display_name="朝読 太郎")
    member.work_fields.set([WorkField.objects.get(name="財政")])
    MembershipFactory(group=sections["group"], member=member)
    return member


def _article(section, title, day=date(2024, 6, 1)):
    return add_page(section, ArticlePage(title=title, slug=f"a{ArticlePage.objects.count()}",
                                         date=day))  # fmt: skip


def _panel(member) -> str:
    page = client_for(member).get("/").text
    start = page.find(PANEL)
    return "" if start == -1 else page[start : page.find("</section>", start)]


def test_new_pages_in_my_fields_and_my_groups(sections, reader):
    _article(sections["finance"], "予算の見積もり", date(2024, 6, 2))
    _article(sections["grouped"], "差押えの手順", date(2024, 6, 3))
    _article(sections["welfare"], "生活保護の申請")
    panel = _panel(reader)
    assert "ナレッジの新着" in panel
    assert panel.index("差押えの手順") < panel.index("予算の見積もり")  # newest first
    assert "生活保護の申請" not in panel
    assert "財政" in panel and "債権回収" in panel


def test_the_panel_is_left_out_when_there_is_nothing_new(sections, reader):
    _article(sections["welfare"], "生活保護の申請")
    assert _panel(reader) == ""
    assert _panel(MemberFactory()) == ""  # no fields, no groups
    _article(sections["finance"], "予算の見積もり")
    assert "予算の見積もり" in _panel(reader)


def test_the_panel_shows_a_few_pages(sections, reader):
    for number in range(home.PANEL_ITEMS + 2):
        _article(sections["finance"], f"記事{number}", date(2024, 1, 1) + timedelta(days=number))
    panel = _panel(reader)
    assert panel.count("<li>") == home.PANEL_ITEMS
    assert "記事6" in panel and "記事0" not in panel


def test_the_panel_costs_the_same_queries_however_much_there_is(
    sections, reader, django_assert_num_queries
):
    for number in range(3):
        _article(sections["finance"], f"記事{number}")
    fresh = User.objects.get(pk=reader.pk)
    # The viewer (1), whether the member is verified (asked once per request), the sections,
    # the pages.
    with django_assert_num_queries(4):
        assert home.new_pages(fresh) is not None
    client = client_for(reader)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    knowledge = ensure_home()
    for number in range(3, 30):
        section = [sections["finance"], sections["grouped"]][number % 2]
        _article(section, f"記事{number}")
        if number % 9 == 0:
            field = WorkField.objects.create(name=f"分野{number}")
            reader.work_fields.add(field)
            add_page(knowledge, SectionPage(title=f"分野{number}", slug=f"f{number}",
                                            work_field=field))  # fmt: skip
    with django_assert_num_queries(len(few) + 1):  # this process reads the restrictions anew
        client.get("/")
    with django_assert_num_queries(len(few)):
        assert "記事" in client.get("/").text
