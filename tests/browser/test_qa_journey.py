"""A question-and-answer journey across three members, with the live parts seen live.

A (demo member) asks in 債権回収; B (demo moderator) reads the topic while C (demo organizer)
adds a reply, which B sees arrive without reloading; B answers; A, who kept the topic open,
sees the answer arrive and accepts it; B's bell counts the notification live; C finds the
topic solved in the group's list and jumps to the answer.
"""

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ASKER = "demo-member@city.kobe.lg.jp"  # A
ANSWERER = "demo-moderator@city.funabashi.lg.jp"  # B
OTHER = "demo-organizer@pref.kanagawa.lg.jp"  # C

LIVE_MS = 10_000  # bound for anything that arrives over a WebSocket

# Test-only instrumentation, installed before the site's own scripts, so the test knows when
# each socket is subscribed (the site itself catches up on reconnect, but the test wants to see
# the live path, not the catch-up):
# - /ws/topics/<id>/: the consumer subscribes, then sends "topic.state";
# - /ws/notifications/: the consumer subscribes, then sends the current count.
# Each sets a data-qa-* attribute on <html> that the test waits for with expect().
LIVE_PROBE = """
(() => {
  const Native = window.WebSocket;
  const mark = (name) => { document.documentElement.dataset[name] = "ready"; };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      const path = new URL(this.url).pathname;
      const parse = (event) => { try { return JSON.parse(event.data); } catch { return {}; } };
      if (path.startsWith("/ws/topics/")) {
        this.addEventListener("message", (event) => {
          if (parse(event).type === "topic.state") mark("qaTopicLive");
        });
      } else if (path === "/ws/notifications/") {
        this.addEventListener("message", (event) => {
          if (parse(event).type === "unread.count") mark("qaBellLive");
        });
      }
    }
  };
})();
"""


def _signed_in(new_context, login, address):
    context = new_context()
    context.add_init_script(script=LIVE_PROBE)
    page = context.new_page()
    login(page, address)
    return page


def _wait_topic_live(page):
    expect(page.locator("html")).to_have_attribute("data-qa-topic-live", "ready", timeout=LIVE_MS)


def _wait_bell_live(page):
    expect(page.locator("html")).to_have_attribute("data-qa-bell-live", "ready", timeout=LIVE_MS)


def _stay_on_page(page):
    """Mark this document; ``_not_reloaded`` later proves the page was never reloaded."""
    page.evaluate("() => { window.qaSameDocument = true; }")


def _not_reloaded(page):
    assert page.evaluate("() => window.qaSameDocument === true"), f"{page.url} was reloaded"


def _reply(page, body):
    form = page.get_by_role("region", name="返信する")
    form.get_by_role("textbox", name="返信").fill(body)
    form.get_by_role("button", name="返信する").click()


def _bell(page):
    nav = page.get_by_role("navigation", name="メインメニュー")
    return nav.get_by_role("link", name=re.compile(r"^通知")).locator("[data-unread-count]")


def test_question_answered_live_and_solved(new_context, login, screenshot, axe_check):
    marker = uuid.uuid4().hex[:8]
    title = f"差押えた預金の取立てと配当の順番について({marker})"
    question = (
        "今月から納税課で滞納整理を担当しています。預金を差し押さえたあと、"
        "金融機関からの取立てと、他の債権者がいる場合の配当の順番がよく分かりません。"
        "皆さんの職場での実務の流れを教えていただけると助かります。"
    )
    follow_up = f"横から失礼します。県でも同じ点で迷っていて、回答を楽しみにしています。{marker}"
    answer = (
        "船橋市では、差押え後すぐに金融機関へ取立ての連絡をして、入金を確認したら"
        f"配当計算書を作ります。交付要求がある場合は国税徴収法の順位に従います。{marker}"
    )

    # 1. A asks a question in 債権回収, with a tag.
    asker = _signed_in(new_context, login, ASKER)
    asker.goto("/groups/saiken/")
    asker.get_by_role("link", name="新しいトピック").click()
    expect(asker).to_have_url(re.compile(r"/groups/saiken/new/$"))
    asker.get_by_label("タイトル").fill(title)
    asker.get_by_label("本文").fill(question)
    asker.get_by_label("タグ").fill("差押え 配当")
    expect(asker.get_by_role("checkbox", name=re.compile("質問として投稿する"))).to_be_checked()
    asker.get_by_role("button", name="投稿する").click()

    expect(asker).to_have_url(re.compile(r"/groups/saiken/t/\d+/$"))
    topic_url = asker.url
    heading = asker.get_by_role("heading", level=2, name=title)
    expect(heading).to_contain_text("質問")
    expect(asker.locator("section.topic .meta").first).to_contain_text("#差押え")
    expect(asker.get_by_role("article")).to_have_count(1)
    _wait_topic_live(asker)  # A keeps the topic open from here on
    _stay_on_page(asker)

    # 2. B opens the topic; C adds a reply elsewhere; B sees it arrive without reloading.
    answerer = _signed_in(new_context, login, ANSWERER)
    answerer.goto(topic_url)
    expect(answerer.get_by_role("heading", level=2, name=title)).to_be_visible()
    _wait_topic_live(answerer)
    _stay_on_page(answerer)

    other = _signed_in(new_context, login, OTHER)
    other.goto(topic_url)
    _reply(other, follow_up)
    expect(other.locator("#p2")).to_contain_text(follow_up)

    notice = answerer.locator("[data-live-notice]")
    expect(notice).to_be_visible(timeout=LIVE_MS)
    expect(notice).to_have_text("新しい返信が 1 件あります")
    expect(notice).to_have_role("status")
    live_reply = answerer.get_by_role("article").filter(has_text=follow_up)
    expect(live_reply).to_be_visible(timeout=LIVE_MS)
    expect(live_reply).to_have_id("p2")
    expect(answerer.get_by_role("article")).to_have_count(2)
    _not_reloaded(answerer)
    screenshot(answerer, "qa-journey-live-reply")

    # B answers the question.
    _reply(answerer, answer)
    expect(answerer).to_have_url(re.compile(r"\?n=\d+#p\d+$"))
    answer_post = answerer.get_by_role("article").filter(has_text=answer)
    expect(answer_post).to_be_visible()
    answer_id = answer_post.get_attribute("id")
    assert answer_id == "p3", answer_id
    answer_number = answer_id.removeprefix("p")

    # B stays on this page, signed in, with the bell following the unread count.
    _wait_bell_live(answerer)
    _stay_on_page(answerer)
    bell = _bell(answerer)
    unread_before = int(bell.get_attribute("data-count") or 0)

    # 3. A sees both replies arrive live, then accepts B's answer.
    expect(asker.get_by_role("article").filter(has_text=follow_up)).to_be_visible(timeout=LIVE_MS)
    live_answer = asker.get_by_role("article").filter(has_text=answer)
    expect(live_answer).to_be_visible(timeout=LIVE_MS)
    expect(live_answer).to_have_id(answer_id)
    expect(asker.locator("[data-live-notice]")).to_have_text("新しい返信が 2 件あります")
    expect(asker.get_by_role("article")).to_have_count(3)
    _not_reloaded(asker)
    live_answer.get_by_role("button", name="この回答で解決").click()

    expect(asker).to_have_url(re.compile(rf"/t/\d+/\?n={answer_number}#{answer_id}$"))
    expect(asker.get_by_role("heading", level=2, name=title)).to_contain_text("解決済み")
    accepted = asker.locator(f"#{answer_id}")
    expect(accepted).to_contain_text("解決した回答")
    expect(accepted.get_by_role("button", name="解決済みを取り消す")).to_be_visible()
    expect(asker.get_by_role("link", name="解決した回答へ移動")).to_be_visible()

    # 4. B's bell counts the accepted-answer notification live; /notifications/ lists it.
    expect(bell).to_have_attribute("data-count", str(unread_before + 1), timeout=LIVE_MS)
    expect(bell.locator("[data-unread-number]")).to_have_text(str(unread_before + 1))
    _not_reloaded(answerer)

    answerer.get_by_role("navigation", name="メインメニュー").get_by_role(
        "link", name=re.compile(r"^通知")
    ).click()
    expect(answerer).to_have_url(re.compile(r"/notifications/$"))
    expect(answerer.get_by_role("heading", level=1)).to_have_text("通知")
    item = answerer.locator("li.notification").filter(
        has_text=f"「{title}」であなたの回答が解決済みに選ばれました。"
    )
    expect(item).to_have_count(1)
    expect(item).to_contain_text("未読")
    expect(item.get_by_role("link")).to_have_attribute(
        "href", re.compile(rf"/t/\d+/\?n={answer_number}#{answer_id}$")
    )

    # 5. C finds the topic solved in the group's list and jumps to the answer.
    other.goto("/groups/saiken/")
    row = other.get_by_role("row").filter(has=other.get_by_role("link", name=title, exact=True))
    expect(row).to_have_count(1)
    expect(row.get_by_text("解決済み", exact=True)).to_be_visible()
    expect(row.get_by_text("質問", exact=True)).to_have_count(0)
    row.get_by_role("link", name="回答へ").click()
    expect(other).to_have_url(re.compile(rf"/t/\d+/\?n={answer_number}#{answer_id}$"))
    target = other.locator(f"#{answer_id}")
    expect(target).to_contain_text(answer)
    expect(target).to_contain_text("解決した回答")
    expect(target).to_be_in_viewport()
    screenshot(other, "qa-journey-solved")
    axe_check(other)
