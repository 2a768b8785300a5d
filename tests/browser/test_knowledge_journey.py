"""A member writes a how-to in their group's section in /cms/ and sends it for review; the
group's moderator approves it from the editor's dashboard; a third member reads it under the
section at /knowledge/<section>/. The editor (StreamField, preview) runs under the site's CSP,
relaxed for /cms/ only (knowledge/cms.py): the preview shows the draft in its iframe and no
CSP violation is reported on the way."""

import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, site_env

pytestmark = pytest.mark.browser

MODERATOR = "demo-moderator@city.funabashi.lg.jp"
READER = "demo-organizer@pref.kanagawa.lg.jp"
TITLE = "分納誓約の管理表の作り方"
TEXT = "納付期限と残額を一行ずつ書き出します。"

# A section for the demo group 債権回収 (seed_demo makes no knowledge pages).
MAKE_SECTION = """
import django
django.setup()
from groups.models import Group
from knowledge.models import SectionPage
from knowledge.services import ensure_home
home = ensure_home()
section = SectionPage.objects.filter(slug="saiken").first()
if section is None:
    section = home.add_child(instance=SectionPage(
        title="債権回収", slug="saiken", group=Group.objects.get(slug="saiken")))
    section.save_revision().publish()
print(section.pk)
"""


@pytest.fixture
def section_id(live_site):
    made = subprocess.run(
        [sys.executable, "-c", MAKE_SECTION], cwd=ROOT, capture_output=True, text=True,
        env=site_env(live_site.database_url, live_site.mail_dir), timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    return int(made.stdout.strip().splitlines()[-1])


def _watch_csp(page, seen: list):
    page.on("console", lambda message: seen.append(message.text)
            if "Content Security Policy" in message.text else None)  # fmt: skip


def test_a_draft_is_reviewed_and_published(new_context, login, section_id):
    violations: list[str] = []
    author = login(new_context().new_page())
    _watch_csp(author, violations)
    author.goto(f"/cms/pages/add/knowledge/articlepage/{section_id}/")
    author.locator("#id_title").fill(TITLE)
    body = author.locator("[data-contentpath=body]")
    body.get_by_role("button", name=re.compile("挿入|Insert")).first.click()
    author.get_by_role("option", name="文章").click()
    body.locator("textarea").first.fill(TEXT)
    author.locator("[data-side-panel-toggle=preview]").click()  # the preview, in an iframe
    preview = author.frame_locator("#w-preview-iframe")
    expect(preview.locator("body")).to_contain_text(TEXT, timeout=15_000)
    author.get_by_role("button", name="他のアクション").click()
    author.locator("button[name=action-submit]").click()
    expect(author.locator(".messages")).to_contain_text(TITLE)

    moderator = login(new_context().new_page(), MODERATOR)
    _watch_csp(moderator, violations)
    moderator.goto("/cms/")
    row = moderator.locator("tr", has_text=TITLE)
    row.locator("button[aria-label]").first.click()  # the row's actions
    row.get_by_role("button", name="承認", exact=True).click()
    expect(moderator.locator("tr", has_text=TITLE)).to_have_count(0)

    reader = login(new_context().new_page(), READER)
    reader.goto("/knowledge/saiken/")
    reader.get_by_role("link", name=TITLE).click()
    expect(reader.locator("main")).to_contain_text(TEXT)
    assert violations == [], "\n".join(violations)
