"""Writing a reply: the draft survives a reload, the preview shows the rendered Markdown, and
once the reply is posted the draft is gone."""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_draft_survives_a_reload_preview_renders_and_posting_clears_it(member_page):
    page = member_page
    marker = uuid.uuid4().hex[:8]
    text = f"**下書き**の返信です {marker}"
    page.goto("/groups/saiken/t/1/")
    reply = page.get_by_role("region", name="返信する")
    box = reply.get_by_role("textbox", name="返信")

    # the toolbar is there (with JavaScript) and its bold button wraps the selection
    box.fill("太字")
    box.select_text()
    reply.get_by_role("button", name="太字").click()
    expect(box).to_have_value("**太字**")

    with page.expect_response(lambda r: r.url.endswith("/draft")) as saved:
        box.fill(text)  # saved a second after typing stops
    assert saved.value.json()["saved"] is True
    expect(reply.locator("[data-draft-status]")).to_contain_text("下書きを保存しました")
    page.reload()
    expect(box).to_have_value(text)

    reply.get_by_role("button", name="プレビュー").click()
    preview = reply.get_by_role("region", name="プレビュー")
    expect(preview.locator("strong")).to_have_text("下書き")
    expect(page).to_have_url(re.compile(r"/groups/saiken/t/1/$"))  # shown in place

    reply.get_by_role("button", name="返信する").click()
    expect(page).to_have_url(re.compile(r"\?n=\d+#p\d+$"))
    expect(page.get_by_role("article").filter(has_text=marker)).to_be_visible()
    page.goto("/groups/saiken/t/1/")
    expect(page.get_by_role("region", name="返信する").get_by_role("textbox")).to_have_value("")
