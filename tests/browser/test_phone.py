"""On a phone (375 × 800): the chat composer is on screen when the room opens, every control
is at least 24 × 24 CSS px (WCAG 2.2, 2.5.8), no label or heading is squeezed to one character
a line, and checkboxes sit beside their labels."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 800}

# Controls smaller than 24 × 24 px. Links inside what members wrote are inline in a sentence
# (2.5.8's exception); the skip link is off screen until focused; visually hidden labels are
# read by screen readers and are not targets.
SMALL_TARGETS = """() => {
  const found = [];
  const controls = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]');
  for (const el of controls) {
    // Links inside written text are inline targets, excepted by WCAG 2.5.8.
    const prose = '.chat__body, .post__body, .profile__bio, .md-help td, .visually-hidden';
    if (el.closest(prose)) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    if (box.width < 24 || box.height < 24) {
      found.push(`${el.outerHTML.slice(0, 90)} ${box.width.toFixed(1)}×${box.height.toFixed(1)}`);
    }
  }
  return found;
}"""

# Labels, headings and controls whose text wraps to less than two characters a line (lines
# counted from the text itself, so a checkbox inside a label is not a line).
SQUEEZED_TEXT = """() => {
  const found = [];
  for (const el of document.querySelectorAll(
      'label, th, td, legend, summary, button, a, h1, h2, h3, .meta, select')) {
    if (el.closest('.visually-hidden') || el.getClientRects().length === 0) continue;
    const text = el.innerText.replace(/\\s+/g, '');
    if (text.length < 2) continue;
    const tops = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const range = document.createRange();
      range.selectNodeContents(walker.currentNode);
      for (const box of range.getClientRects()) if (box.width > 0) tops.push(box.top);
    }
    tops.sort((a, b) => a - b);
    const lines = tops.filter((top, i) => i === 0 || top - tops[i - 1] > 8).length;
    if (lines > 1 && text.length / lines < 2) found.push(`${text.slice(0, 30)} (${lines} lines)`);
  }
  return found;
}"""

# A checkbox and its label on one row, the label to its right.
CHECKBOXES_BESIDE_LABELS = """() => [...document.querySelectorAll('input[type=checkbox]')]
  .filter((box) => box.labels.length && !box.labels[0].closest('.visually-hidden'))
  .filter((box) => {
    const input = box.getBoundingClientRect();
    const label = box.labels[0].contains(box) ? null : box.labels[0].getBoundingClientRect();
    return label && !(label.left >= input.right && label.top < input.bottom);
  }).map((box) => box.id)"""

# Elements reaching past the right edge of the screen (the page scrolls sideways).
BEYOND_THE_SCREEN = """() => [...document.querySelectorAll('main *')]
  .filter((el) => el.getBoundingClientRect().right > innerWidth + 1 && !el.closest('pre'))
  .map((el) => el.tagName + ' ' + el.textContent.trim().slice(0, 20)).slice(0, 5)"""


def check_page(page):
    assert page.evaluate(BEYOND_THE_SCREEN) == [], page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url
    assert page.evaluate(SQUEEZED_TEXT) == [], page.url


def test_phone_chat_notification_settings_group_and_profile(new_context, member_state):
    page = new_context(storage_state=member_state, viewport=PHONE, is_mobile=True).new_page()

    page.goto("/groups/music/chat/")
    composer = page.locator("[data-chat-composer]")
    expect(composer).to_be_visible()
    expect(page.locator("[data-chat-status]")).to_have_attribute("data-state", "connected")
    expect(page.locator("#chat-input")).to_be_in_viewport(ratio=1)
    expect(composer.get_by_role("button", name="送信")).to_be_in_viewport(ratio=1)
    expect(page.locator(".chat__actions button.reaction").first).to_be_visible()
    assert page.evaluate("() => scrollY") == 0
    check_page(page)

    page.goto("/notifications/preferences/")
    expect(page.locator("table.preferences input[type=checkbox]").first).to_be_visible()
    check_page(page)

    page.goto("/groups/music/")  # the group's notification setting and the way out
    expect(page.locator("#watch-level")).to_be_visible()
    check_page(page)

    page.goto("/profile/")  # checkboxes with long labels, the department history table
    expect(page.get_by_label("部署の変更を異動として記録する", exact=False)).to_be_visible()
    check_page(page)
    assert page.evaluate(CHECKBOXES_BESIDE_LABELS) == []

    page.goto("/members/?q=やまもと")  # a history with a long department name: it wraps
    link = page.locator("main a[href^='/members/']", has_text="山本 美咲").first
    page.goto(link.get_attribute("href"))
    expect(page.get_by_role("heading", name="所属の履歴")).to_be_visible()
    expect(page.locator("table.history")).to_contain_text("市民税課 収納係")
    check_page(page)
