import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_switch_to_english_with_the_header_form(member_page):
    page = member_page
    page.goto("/profile/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.get_by_label("表示言語").select_option("en")
    page.locator("form.language-switch [type=submit]").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(re.compile(r"/profile/$"))  # back where the member was
    expect(page.locator("#language-select")).to_have_value("en")
    expect(page.locator("#language-select option:checked")).to_have_text("English")
    nav = page.locator("#site-nav")
    expect(nav.get_by_role("link", name="Home", exact=True)).to_be_visible()
