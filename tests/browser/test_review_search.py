"""Search on a laptop screen and a phone, as a review found it: with a full list of results as
you type, "すべての結果を見る" stays in sight at the bottom of the list; on a phone the facets
sit as chips, several to a row, so the first result is not pushed far down the page.

The documents are put straight into the live site's index, under a word no demo text holds."""

import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, site_env

pytestmark = pytest.mark.browser

WORD = "鵜飼"
KINDS = ["topic", "post", "article", "notes", "event"]
# Ten documents over five kinds and five of the demo's open groups, so that every facet has
# several options.
INDEX = """
import django, sys
django.setup()
from datetime import datetime, timedelta, UTC
from groups.models import Group
from search.backends import get_backend
from search.documents import Document

word, kinds = sys.argv[1], sys.argv[2].split(",")
groups = list(Group.objects.filter(kind="open").order_by("pk").values_list("pk", flat=True)[:5])
now = datetime.now(UTC)
get_backend().write([
    Document(key=f"{kinds[n % 5]}:99100{n}", kind=kinds[n % 5], title=f"{word}の観覧船 その{n}",
             body="長良川の夏の行事", url="/groups/", date=now - timedelta(days=n),
             group_id=groups[n % len(groups)])
    for n in range(10)
], [])
"""


@pytest.fixture(scope="module")
def indexed(live_site):
    done = subprocess.run(
        [sys.executable, "-c", INDEX, WORD, ",".join(KINDS)], cwd=ROOT, capture_output=True,
        text=True, env=site_env(live_site.database_url, live_site.mail_dir), timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]


def _inside(inner: dict, outer: dict) -> bool:
    return inner["y"] >= outer["y"] - 1 and inner["y"] + inner["height"] <= (
        outer["y"] + outer["height"] + 1
    )


def test_see_all_stays_in_sight_under_a_full_list(new_context, member_state, indexed):
    page = new_context(storage_state=member_state, viewport={"width": 1280, "height": 480})
    page = page.new_page()
    page.goto("/")
    page.get_by_role("combobox", name="サイト内を検索").press_sequentially(WORD, delay=30)
    listbox = page.get_by_role("listbox", name="検索の候補")
    options = listbox.get_by_role("option")
    expect(options).to_have_count(9)  # eight results and the way to all of them
    box = listbox.bounding_box()
    assert listbox.evaluate("list => list.scrollHeight > list.clientHeight")  # it scrolls
    assert _inside(options.last.bounding_box(), box)
    expect(options.last).to_have_text("すべての結果を見る")


def test_facets_wrap_on_a_phone(new_context, member_state, indexed, screenshot):
    context = new_context(
        storage_state=member_state, viewport={"width": 375, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.goto(f"/search/?q={WORD}")
    expect(page.locator(".search-result")).to_have_count(10)
    for facet in page.locator(".search-facet").all():
        rows = {round(option.bounding_box()["y"]) for option in facet.locator("a").all()}
        assert len(rows) < facet.locator("a").count(), facet.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "review-search-phone")
