"""The chat room in the browser (static/js/chat.js over docs/chat-protocol.md).

Two members talk live; one of them loses its server (killed, then started again on the same
port) while the other goes on talking and edits, and types a message of its own meanwhile; once
back it holds exactly what the other page and the database hold. Replies, reactions, edits and
deletions reach the other page live; history scrolls back, the unread marker and ?seq=N jumps
land where they should; axe finds nothing serious.
"""

import html
import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.chat_servers import chat_server, fill_room

pytestmark = pytest.mark.browser

A = "demo-member@city.kobe.lg.jp"
B = "demo-organizer@pref.kanagawa.lg.jp"
A_NAME = "山本 美咲"

LIVE_MS = 15_000  # anything that arrives over a socket, also from the other process
BACK_MS = 60_000  # a page reconnecting with backoff after its server came back

MESSAGES = "[data-chat-messages] .chat__message"
PENDING = "[data-chat-pending] .chat__message"

# [seq, text] of every message on the page, in page order.
ON_PAGE = """() => [...document.querySelectorAll("[data-chat-messages] .chat__message")].map(
  (item) => {
    const body = item.querySelector(".chat__body");
    return [Number(item.dataset.seq), body.hidden ? "" : body.textContent.trim()];
  })"""


@pytest.fixture
def chat_servers(live_site):
    """Two daphne processes over the live site's database: A's page uses the first, B's the
    second."""
    servers = []
    try:
        for name in ("chat-a", "chat-b"):
            servers.append(chat_server(live_site, name))
        yield servers
    finally:
        for server in servers:
            server.stop()


def _room(new_context, login, address, slug, *, base_url=None):
    context = new_context(**({"base_url": base_url} if base_url else {}))
    page = context.new_page()
    login(page, address)
    page.goto(f"/groups/{slug}/chat/")
    _wait_connected(page)
    return page


def _wait_connected(page, timeout=LIVE_MS):
    expect(page.locator("[data-chat-status]")).to_have_text("接続中", timeout=timeout)


def _send(page, text):
    box = page.get_by_role("textbox", name="メッセージ", exact=True)
    box.fill(text)
    box.press("Enter")


def _message(page, text):
    return page.locator(MESSAGES).filter(has_text=text)


def _wait_for(page, text, timeout=LIVE_MS):
    expect(_message(page, text)).to_have_count(1, timeout=timeout)


def _on_page(page):
    return [tuple(item) for item in page.evaluate(ON_PAGE)]


def _history(page, slug):
    """Every message of the room as the JSON endpoint gives it: [(seq, text)]."""
    response = page.request.get(f"/groups/{slug}/chat/messages?after=0")
    assert response.ok, response.status
    return [
        (message["seq"], html.unescape(re.sub(r"<[^>]+>", "", message["body_html"])).strip())
        for message in response.json()["messages"]
    ]


def _stay_on_page(page):
    page.evaluate("() => { window.qaSameDocument = true; }")


def _not_reloaded(page):
    assert page.evaluate("() => window.qaSameDocument === true"), f"{page.url} was reloaded"


def test_two_members_chat_and_one_catches_up_after_its_server_restarts(
    chat_servers, new_context, login
):
    server_a, server_b = chat_servers
    slug, marker = "dx", uuid.uuid4().hex[:6]
    a = _room(new_context, login, A, slug, base_url=server_a.url)
    b = _room(new_context, login, B, slug, base_url=server_b.url)
    _stay_on_page(b)

    # Live both ways, across the two processes.
    said = [
        (a, f"神戸です。書かない窓口の導入、準備を始めました {marker}-1"),
        (b, f"神奈川県です。まずは住民異動の手続きからがおすすめです {marker}-2"),
        (a, f"ありがとうございます。タブレットは何台用意しましたか {marker}-3"),
        (b, f"窓口ごとに2台です。予備も1台あると安心です {marker}-4"),
    ]
    for speaker, text in said:
        _send(speaker, text)
        _wait_for(a, text)
        _wait_for(b, text)
    assert _on_page(a) == _on_page(b)
    assert [text for _seq, text in _on_page(a)][-4:] == [text for _page, text in said]

    # B reacts; A sees the count, not pressed for A.
    _message(b, f"{marker}-3").get_by_role("button", name="いいね").click()
    like_on_a = _message(a, f"{marker}-3").get_by_role("button", name="いいね")
    expect(like_on_a).to_have_text(re.compile(r"いいね\s*1"), timeout=LIVE_MS)
    expect(like_on_a).to_have_attribute("aria-pressed", "false")

    # B's server dies. A goes on talking and edits an earlier message.
    server_b.kill()
    expect(b.locator("[data-chat-status]")).to_have_text(re.compile("再接続中|オフライン"))
    while_away = [f"ほかの自治体の事例も集めています {marker}-{n}" for n in (5, 6, 7)]
    for text in while_away:
        _send(a, text)
        _wait_for(a, text)
    first = _message(a, f"{marker}-1")
    first.get_by_role("button", name="編集").click()
    editor = first.get_by_role("textbox", name="メッセージを編集")
    editor.fill(f"神戸です。書かない窓口の導入、来月から準備します {marker}-1")
    editor.press("Enter")
    expect(first).to_contain_text("来月から準備します", timeout=LIVE_MS)
    expect(first).to_contain_text("編集済み")

    # B types while disconnected: the message waits, marked as being sent.
    offline_text = f"戻りました。こちらは来年度からです {marker}-8"
    _send(b, offline_text)
    pending = b.locator(PENDING).filter(has_text=offline_text)
    expect(pending).to_contain_text("送信中…")
    expect(_message(b, offline_text)).to_have_count(0)

    # B's server comes back on the same port; the page reconnects and catches up by itself.
    server_b.start().wait_ready()
    _wait_connected(b, timeout=BACK_MS)
    _wait_for(b, offline_text)
    _wait_for(a, offline_text)
    expect(b.locator(PENDING)).to_have_count(0)
    for text in while_away:
        _wait_for(b, text)
    expect(_message(b, f"{marker}-1")).to_contain_text("来月から準備します", timeout=LIVE_MS)
    expect(_message(b, f"{marker}-1")).to_contain_text("編集済み")
    _not_reloaded(b)

    history = _history(a, slug)
    on_a, on_b = _on_page(a), _on_page(b)
    assert on_b == on_a == history
    seqs = [seq for seq, _text in history]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [text for _seq, text in history].count(offline_text) == 1
    assert history[-1][1] == offline_text


def test_reply_react_edit_and_delete_reach_the_other_member(
    new_context, login, axe_check, screenshot
):
    slug, marker = "zaisei", uuid.uuid4().hex[:6]
    a = _room(new_context, login, A, slug)
    b = _room(new_context, login, B, slug)

    # Who is here: both, with their organizations, in a list built on opening.
    presence = a.locator("[data-chat-presence]")
    expect(presence.locator("summary")).to_have_text("参加中 2人", timeout=LIVE_MS)
    presence.locator("summary").click()
    expect(presence.get_by_role("listitem")).to_have_count(2)
    expect(presence).to_contain_text("神戸市")
    expect(presence).to_contain_text("神奈川県")

    question = f"決算統計の繰出金の区分、皆さんはどう整理していますか {marker}"
    _send(a, question)
    _wait_for(b, question)

    # B replies to A's message.
    _message(b, question).get_by_role("button", name="返信").click()
    replying = b.locator("[data-chat-replying]")
    expect(replying).to_contain_text(re.compile(rf"{A_NAME}さんの #\d+ への返信"))
    answer = f"操出基準に基づくものとそれ以外で分けています {marker}"
    _send(b, answer)
    expect(replying).to_be_hidden()
    _wait_for(a, answer)
    quote = _message(a, answer).locator(".chat__reply a")
    expect(quote).to_have_text(re.compile(rf"{A_NAME}さんの #\d+ への返信"))
    question_id = _message(a, question).get_attribute("id")
    expect(quote).to_have_attribute("href", re.compile(rf"#{question_id}$"))

    # A thanks B's answer; pressed for A, counted for B.
    thanks = _message(a, answer).get_by_role("button", name="ありがとう")
    thanks.click()
    expect(thanks).to_have_attribute("aria-pressed", "true", timeout=LIVE_MS)
    expect(thanks).to_have_text(re.compile(r"ありがとう\s*1"))
    on_b = _message(b, answer).get_by_role("button", name="ありがとう")
    expect(on_b).to_have_text(re.compile(r"ありがとう\s*1"), timeout=LIVE_MS)
    expect(on_b).to_have_attribute("aria-pressed", "false")

    # B corrects a typo in the answer; A sees the edit.
    _message(b, answer).get_by_role("button", name="編集").click()
    editor = _message(b, answer).get_by_role("textbox", name="メッセージを編集")
    editor.fill(answer.replace("操出", "繰出"))
    _message(b, answer).get_by_role("button", name="保存する").click()
    edited = _message(a, answer.replace("操出", "繰出"))
    expect(edited).to_contain_text("編集済み", timeout=LIVE_MS)

    # Shift+Enter is a new line, Enter while the IME is composing sends nothing.
    box = a.get_by_role("textbox", name="メッセージ", exact=True)
    box.fill("一行目")
    box.press("Shift+Enter")
    box.press_sequentially("二行目")
    box.dispatch_event("keydown", {"key": "Enter", "isComposing": True, "bubbles": True})
    expect(box).to_have_value("一行目\n二行目")
    expect(a.locator(PENDING)).to_have_count(0)
    box.fill(f"間違えて送ったメッセージ {marker}")
    box.press("Enter")
    mistake = _message(a, f"間違えて送ったメッセージ {marker}")
    expect(mistake).to_have_count(1, timeout=LIVE_MS)
    seq = mistake.get_attribute("data-seq")

    # A deletes it (after confirming); B sees the tombstone in its place.
    a.once("dialog", lambda dialog: dialog.accept())
    mistake.get_by_role("button", name="削除").click()
    tombstone = b.locator(f"#m{seq}")
    expect(tombstone).to_contain_text("このメッセージは削除されました。", timeout=LIVE_MS)
    expect(tombstone.get_by_role("button")).to_have_count(0)
    expect(a.locator(f"#m{seq}")).to_contain_text("このメッセージは削除されました。")

    # Over the limit: the box counts, refuses to send and keeps every character.
    box.fill("x" * 4001)
    expect(a.locator("[data-chat-count]")).to_have_text("4001 / 4000文字")
    box.press("Enter")
    expect(a.get_by_role("alert")).to_contain_text("4000文字を超えています(いま4001文字)")
    expect(a.locator(PENDING)).to_have_count(0)
    expect(box).to_have_value("x" * 4001)

    box.fill("")
    presence.locator("summary").click()
    expect(presence.get_by_role("listitem")).to_have_count(0)  # built only while open
    screenshot(a, "chat")
    axe_check(a)
    axe_check(b)


def test_history_unread_marker_and_jump(live_site, new_context, login, axe_check):
    slug = "sdgs"
    prefix = f"履歴-{uuid.uuid4().hex[:4]}"
    fill_room(live_site, slug, [B, "demo-moderator@city.funabashi.lg.jp"], prefix=prefix,
              count=60)  # fmt: skip
    a = _room(new_context, login, A, slug)

    # The latest 50; everything is unread for a first visit.
    expect(a.locator(MESSAGES)).to_have_count(50)
    expect(a.locator(MESSAGES).first).to_contain_text(f"{prefix} 11件目")
    expect(a.locator("[data-chat-unread]")).to_have_text("ここから未読")

    # Scrolling back brings the first ten, in order, and there is nothing before them.
    earlier = a.get_by_role("button", name="以前のメッセージ")
    earlier.click()
    expect(a.locator(MESSAGES)).to_have_count(60)
    expect(earlier).to_be_hidden()
    assert [seq for seq, _text in _on_page(a)] == list(range(1, 61))
    assert [text for _seq, text in _on_page(a)] == [f"{prefix} {n}件目" for n in range(1, 61)]
    expect(a.locator("[data-chat-unread] + .chat__message")).to_have_attribute("data-seq", "1")

    # Three more while A is away: next time the marker stands before the first of them.
    a.goto("/")
    fill_room(live_site, slug, [B], prefix=prefix, count=3, start=60)
    a.goto(f"/groups/{slug}/chat/")
    _wait_connected(a)
    expect(a.locator("[data-chat-unread] + .chat__message")).to_have_attribute("data-seq", "61")
    expect(a.locator("[data-chat-unread]")).to_be_in_viewport()
    axe_check(a)

    # A link to message 5 opens the page around it, scrolled there and highlighted.
    a.goto(f"/groups/{slug}/chat/?seq=5#m5")
    _wait_connected(a)
    target = a.locator("#m5")
    expect(target).to_have_class(re.compile("chat__message--target"))
    expect(target).to_be_in_viewport()
    expect(a.locator(MESSAGES).first).to_have_attribute("data-seq", "1")


def test_a_waiting_message_survives_a_reload_and_a_closed_room_says_so(new_context, login):
    slug, text = "kosodate", f"在宅勤務の日の連絡方法も知りたいです {uuid.uuid4().hex[:6]}"
    page = new_context().new_page()
    login(page, A)
    socket = {"mode": "silent"}

    def route(ws):
        if socket["mode"] == "server":
            ws.connect_to_server()
        elif socket["mode"] == "forbidden":
            ws.close(code=4403)

    page.route_web_socket(re.compile(r"/ws/chat/"), route)

    # The socket opens but the server never says "ready": the message waits in the tab.
    page.goto(f"/groups/{slug}/chat/")
    _send(page, text)
    expect(page.locator(PENDING).filter(has_text=text)).to_contain_text("送信中…")

    # After a reload it is still waiting, and is sent once the socket is ready.
    socket["mode"] = "server"
    page.reload()
    _wait_connected(page)
    _wait_for(page, text)
    expect(page.locator(PENDING)).to_have_count(0)
    assert [body for _seq, body in _history(page, slug)].count(text) == 1
    assert page.evaluate("() => Object.values(sessionStorage).join('')") in ("", "[]")

    # What is typed and not sent yet is still in the box after a reload.
    box = page.get_by_role("textbox", name="メッセージ", exact=True)
    box.fill("書きかけの質問です。")
    page.reload()
    _wait_connected(page)
    expect(box).to_have_value("書きかけの質問です。")
    box.fill("")

    # A member no longer allowed in is told so, and the composer is switched off.
    socket["mode"] = "forbidden"
    page.reload()
    status = page.locator("[data-chat-status]")
    expect(status).to_have_text("このルームに参加できなくなりました。")
    expect(page.get_by_role("textbox", name="メッセージ", exact=True)).to_be_disabled()


def test_the_room_reads_without_javascript(new_context, member_state):
    page = new_context(storage_state=member_state, java_script_enabled=False).new_page()
    page.goto("/groups/music/chat/")
    messages = page.locator(MESSAGES)
    expect(messages.first).to_contain_text("合同練習")
    expect(messages.filter(has_text="前回の楽譜")).to_contain_text("さんの #2 への返信")
    expect(messages.filter(has_text="前回の楽譜")).to_contain_text("ありがとう 1")
    expect(page.get_by_role("textbox", name="メッセージ", exact=True)).to_be_hidden()


def test_a_message_arriving_while_reading_further_up_is_announced(live_site, new_context, login):
    slug, marker = "zaisei", uuid.uuid4().hex[:6]
    fill_room(live_site, slug, [B], prefix=f"決算-{marker}", count=40)
    a = _room(new_context, login, A, slug)
    b = _room(new_context, login, B, slug)
    # The network goes and comes back while A's socket stays up: the status follows the socket,
    # both when the browser says it is online again and when messages simply keep coming.
    status = a.locator("[data-chat-status]")
    a.evaluate("() => window.dispatchEvent(new Event('offline'))")
    expect(status).to_have_text("オフライン")
    a.evaluate("() => window.dispatchEvent(new Event('online'))")
    _wait_connected(a)
    a.evaluate("() => window.dispatchEvent(new Event('offline'))")
    expect(status).to_have_text("オフライン")
    a.locator("[data-chat-log]").evaluate("(log) => { log.scrollTop = 0; }")
    _send(b, f"地方債の借入先の見直しを検討中です {marker}")
    _wait_for(a, f"検討中です {marker}")
    _wait_connected(a)
    newer = a.get_by_role("button", name="新しいメッセージがあります")
    expect(newer).to_be_visible(timeout=LIVE_MS)
    expect(_message(a, f"検討中です {marker}")).not_to_be_in_viewport()
    newer.click()
    expect(_message(a, f"検討中です {marker}")).to_be_in_viewport()
    expect(newer).to_be_hidden()
