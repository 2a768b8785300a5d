"""The knowledge pages cost the same number of SQL queries whatever the size of the knowledge
base: the home, a section listing and an article, counted exactly with the site's navigation.

The default cache is a per-process memory cache here, as Redis is outside the database in
production: with the development database cache, Wagtail's site root paths would add one
query to each page, in tests only."""

import pytest
from django.core.cache import caches

from groups.models import Group
from knowledge.models import ArticlePage, PagePerson
from tests.factories import GroupFactory
from tests.groups.conftest import client_for
from tests.knowledge.conftest import add_page

pytestmark = pytest.mark.django_db

# session, member (with what their unread notifications are about, and the viewer's roles and
# the content version: knowledge.selectors.viewer asks nothing more while this process has
# the restrictions at that version), the page with its ancestors (knowledge.serving) and the
# site's navigation (moderation count and chat unread in one statement)
COMMON = 4
# (cold, warm): the lists and counts over the whole knowledge base (the home's, a section's
# cards, an article's related pages) are kept per process under the content version and the
# pages hidden from the reader (knowledge.tallies), and a page's header and body per content
# version, and the page with its ancestors (- 1): a reader of the same content skips them
HOME = (COMMON + 3, COMMON - 1)  # sections, 10 recent pages, their tags
SECTION = (COMMON + 2, COMMON - 1)  # 20 pages, their tags
ARTICLE = (COMMON + 5, COMMON + 1)  # tags, related pages, their tags, people, related topics
# The first reader in a process at a content version reads what the next readers take their
# hidden pages from without a query (knowledge.selectors): the home's counts of every page and
# of each restricted subtree (and the first at that version of all stores every page's counts:
# one INSERT, in a savepoint in a transaction, here the test's) and the newest pages, a
# section's listing, a page's related candidates
FIRST_AT_VERSION = {"home": 2 + 3, "section": 1, "article": 1}


@pytest.fixture(autouse=True)
def _cache_in_memory(settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }


def grow(world, count: int) -> None:
    """``count`` more pages: most open, some for the viewer's group, some for a group the viewer
    is not in, sharing tags with the open article so they are its related pages."""
    other = GroupFactory(slug="other", name="よその研究会", kind=Group.Kind.CLOSED)
    for number in range(count):
        groups = [world.group] if number % 5 == 1 else [other] if number % 5 == 2 else []
        page = ArticlePage(
            title=f"滞納整理の手順 その{number}", slug=f"step-{number}",
            summary="差押えまでの流れ", body=[("text", "催告書を送る")],
        )  # fmt: skip
        page.tags.add("滞納整理", f"手順{number}")
        add_page(world.section if number % 2 else world.secret_section, page, groups=groups)


@pytest.fixture
def article(world):
    page = world.open_page
    page.tags.add("滞納整理", "予算")
    page.people.add(PagePerson(role=PagePerson.Role.OWNER, member=world.insider))
    page.save_revision().publish()
    return page


@pytest.mark.parametrize("count", [3, 30])
def test_pages_cost_a_fixed_number_of_queries(world, article, count, django_assert_num_queries):
    grow(world, count)
    reader = client_for(world.insider)
    for name, url, (cold, warm) in (("home", "/knowledge/", HOME),
                                    ("section", world.section.url, SECTION),
                                    ("article", article.url, ARTICLE)):  # fmt: skip
        caches["fragments"].clear()
        reader.get("/")  # the site's own per-process caches warm, as on a running site
        with django_assert_num_queries(cold + FIRST_AT_VERSION.get(name, 0)):
            reader.get(url)
        caches["fragments"].clear()
        with django_assert_num_queries(cold):
            reader.get(url)
        with django_assert_num_queries(warm):
            page = reader.get(url)
        assert page.status_code == 200
        hidden = [n for n in range(count) if n % 5 == 2]  # grow: the group the reader is not in
        assert not [n for n in hidden if f"滞納整理の手順 その{n}</a>" in page.text]
    assert "滞納整理の手順" in page.text  # the article's related pages
    assert "/knowledge/-/tags/" in page.text


@pytest.mark.parametrize("count", [3, 30])
def test_the_listing_shows_a_page_of_what_the_reader_may_see(world, count):
    grow(world, count)
    listing = client_for(world.insider).get(world.section.url).text
    visible = [n for n in range(count) if n % 2 and n % 5 != 2]
    assert listing.count("滞納整理の手順") == min(len(visible), 20)


def test_a_compiled_query_of_pages_answers_for_each_page_it_is_asked_about(world):
    """A knowledge page is a row in Wagtail's page table and one in its own (multi-table
    inheritance): a FixedQuerySet's stand-in page must stand in for both ids, or the first
    page's id stays in the SQL and every later page answers the first one's people."""
    from cityhall.compiled import FixedQuerySet

    for page, member in ((world.open_page, world.insider), (world.secret_page, world.outsider)):
        PagePerson.objects.create(page=page, member=member, role=PagePerson.Role.OWNER)
    people = FixedQuerySet(
        lambda page, *, shape: PagePerson.objects.filter(page=page).order_by("pk")
    )
    for page in (world.open_page, world.secret_page, world.page_in_secret_section):
        expected = list(PagePerson.objects.filter(page=page).order_by("pk"))
        assert people(page) == expected, page.title
    assert [p.member for p in people(world.secret_page)] == [world.outsider]
