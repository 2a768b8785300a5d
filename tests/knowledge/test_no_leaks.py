"""No route tells a member outside the restricting group anything about a restricted page: not
its address, its section, the home, a tag, a kind or date archive (nor their counts), a feed,
the related pages of an open page, the home page's panel, Wagtail's API or search."""

from datetime import date

import pytest

from members.models import WorkField
from tests.groups.conftest import client_for
from tests.knowledge.conftest import SECRET

pytestmark = pytest.mark.django_db
SECRET_TITLES = ("サロンの内部メモ", "サロンの年間計画")


def _republish(page, day, tags):
    page.date = day
    page.tags.add(*tags)
    page.save_revision().publish()


@pytest.fixture
def tagged(world):
    """The open page in May 2024, both restricted pages in June 2024; 「共有」 on the open page
    and a restricted one, 「サロン限定」 on restricted pages only; every section of 財政."""
    _republish(world.open_page, date(2024, 5, 1), ["共有"])
    _republish(world.secret_page, date(2024, 6, 21), ["共有", "サロン限定"])
    _republish(world.page_in_secret_section, date(2024, 6, 22), ["サロン限定"])
    finance = WorkField.objects.get(name="財政")
    for section in (world.section, world.secret_section):
        section.work_field = finance
        section.save_revision().publish()
    for member in (world.insider, world.outsider):
        member.work_fields.set([finance])
    return world


def _leaks(text: str) -> list[str]:
    return [word for word in (SECRET, *SECRET_TITLES, "サロン限定") if word in text]


def _both(world, url):
    return client_for(world.outsider).get(url), client_for(world.insider).get(url)


@pytest.mark.parametrize("name", ["secret_page", "secret_section", "page_in_secret_section"])
def test_restricted_addresses_and_their_feeds_are_404(tagged, name):
    outside, inside = _both(tagged, getattr(tagged, name).url)
    assert (outside.status_code, inside.status_code) == (404, 200)
    if name == "secret_section":
        outside, inside = _both(tagged, "/knowledge/-/feed/salon/")
        assert (outside.status_code, inside.status_code) == (404, 200)
        assert "サロンの年間計画" in inside.text


@pytest.mark.parametrize("url", [
    "/knowledge/", "/knowledge/finance/", "/knowledge/finance/plan/", "/knowledge/-/tags/共有/",
    "/knowledge/-/kind/article/", "/knowledge/-/archive/2024/", "/knowledge/-/archive/2024/5/",
    "/knowledge/-/feed/", "/knowledge/-/feed/finance/", "/",
])  # fmt: skip
def test_listings_leave_restricted_pages_out_for_outsiders_only(tagged, url):
    outside, inside = _both(tagged, url)
    assert outside.status_code == inside.status_code == 200
    assert _leaks(outside.text) == []
    if url not in ("/knowledge/-/archive/2024/5/", "/knowledge/finance/plan/"):
        assert _leaks(inside.text)  # the insider does see them: the check can fail


def test_a_tag_or_month_only_restricted_pages_have_is_404(tagged):
    for url in ("/knowledge/-/tags/サロン限定/", "/knowledge/-/archive/2024/6/"):
        outside, inside = _both(tagged, url)
        assert (outside.status_code, inside.status_code) == (404, 200)


def test_counts_count_visible_pages_only(tagged):
    home = client_for(tagged.outsider).get("/knowledge/").text
    assert '共有 <span class="kb-count">1</span>' in home
    assert "2024年6月" not in home
    assert '業務ノウハウ</a> <span class="meta">(1)' in home
    year = client_for(tagged.outsider).get("/knowledge/-/archive/2024/").text
    assert "1 件" in year and "2024年6月" not in year
    inside = client_for(tagged.insider).get("/knowledge/").text
    assert '共有 <span class="kb-count">2</span>' in inside
    assert '業務ノウハウ</a> <span class="meta">(3)' in inside


def test_related_pages_of_an_open_page_leave_out_a_restricted_one(tagged):
    outside, inside = _both(tagged, tagged.open_page.url)
    assert "関連するページ" not in outside.text and _leaks(outside.text) == []
    assert "サロンの内部メモ" in inside.text[inside.text.index("関連するページ") :]


def test_the_home_panel_shows_outsiders_only_open_pages(tagged):
    outside, inside = _both(tagged, "/")
    assert "ナレッジの新着" in outside.text and "中期財政計画の作り方" in outside.text
    assert "サロンの年間計画" in inside.text


@pytest.mark.parametrize("url", [
    "/api/v2/pages/", "/knowledge/api/v2/pages/", "/knowledge/search/?q=ヒミツ",
    "/knowledge/-/search/?q=ヒミツ",
])  # fmt: skip
def test_there_is_no_wagtail_api_or_search_to_ask(tagged, url):
    assert client_for(tagged.insider).get(url).status_code == 404


def test_members_of_two_groups_each_see_only_their_own_on_the_knowledge_home(world):
    """The knowledge home's sections and newest pages, and a section's pages, are compiled
    once for each shape of the paths hidden from a reader (a section's ids kept by value): two
    readers hidden the same number of paths at the same depths (another group's section and
    page) each see their own group's and never the other's."""
    from knowledge.models import ArticlePage, SectionPage
    from knowledge.services import ensure_home
    from tests.factories import GroupFactory, MemberFactory, MembershipFactory
    from tests.knowledge.conftest import add_page

    other_group = GroupFactory(slug="music", name="音楽サークル")
    musician = MemberFactory()
    MembershipFactory(group=other_group, member=musician)
    add_page(world.section, ArticlePage(title="合奏の練習メモ", slug="ensemble"),
             groups=[other_group])  # fmt: skip
    circle = add_page(ensure_home(), SectionPage(title="音楽サークル", slug="music"),
                      groups=[other_group])  # fmt: skip
    add_page(circle, ArticlePage(title="定期演奏会の段取り", slug="concert"))

    salon = client_for(world.insider).get("/knowledge/").text
    music = client_for(musician).get("/knowledge/").text
    assert "サロンの内部メモ" in salon and "子育てサロン" in salon
    assert "合奏の練習メモ" not in salon and "音楽サークル" not in salon
    assert "合奏の練習メモ" in music and "音楽サークル" in music
    assert "サロンの内部メモ" not in music and "子育てサロン" not in music
    salon = client_for(world.insider).get(world.section.url).text
    music = client_for(musician).get(world.section.url).text
    assert "サロンの内部メモ" in salon and "合奏の練習メモ" not in salon
    assert "合奏の練習メモ" in music and "サロンの内部メモ" not in music
