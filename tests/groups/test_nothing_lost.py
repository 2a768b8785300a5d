"""Nothing typed is lost: a refused reply or edit comes back with its text and the reason; a
stale edit is refused with both texts; a form sent twice makes one record; and a deleted post's
text is shown nowhere."""

import html
import re
import threading

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from groups import services
from groups.models import Bookmark, Membership, Post, Topic, Watch, WatchLevel
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group
from tests.groups.test_live import _connect

PDF = b"%PDF-1.7\n1 0 obj\n"
TEXT = "差押えの手順を教えてください。財産調査はどこまで必要ですか。"


def _textarea(response, name="body") -> str | None:
    """What the box ``name`` holds on the page, as the browser shows it."""
    page = response.content.decode()
    found = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S)
    return html.unescape(found.group(1)) if found else None


def _hidden(response, name: str) -> str:
    page = response.content.decode()
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)"', page).group(1)


@pytest.fixture
def replier(group):
    member = MemberFactory(display_name="返信 次郎")
    Membership.objects.create(group=group, member=member)
    return member


@pytest.fixture
def topic(group, owner):
    return services.topic_create(author=owner, group=group, title="差押えの相談", body="本文")


def _topic_url(topic) -> str:
    return reverse("groups:topic", args=[topic.group.slug, topic.pk])


# --- a refused reply or edit keeps its text -------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "reason"),
    [
        ({"files": [SimpleUploadedFile("invoice.pdf", b"MZ\x90 not a pdf")]}, "添付できない種類"),
        ({"files": [SimpleUploadedFile("big.pdf", PDF + b"0" * 2**20)]}, "1MB以下"),
        ({"files": [SimpleUploadedFile(f"{n}.pdf", PDF) for n in range(6)]}, "5つまで"),
        ({"body": "あ" * 20_001}, "20000"),
        ({"body": ""}, "この項目は必須です"),
    ],
    ids=["type", "size", "count", "length", "empty"],
)
def test_a_refused_reply_comes_back_with_its_text_and_the_reason(
    topic, replier, settings, sent, reason
):
    settings.ATTACHMENT_MAX_BYTES = 2**20
    client = client_for(replier)
    form_page = client.get(_topic_url(topic))
    data = {"body": TEXT, "client_id": _hidden(form_page, "client_id"), **sent}
    response = client.post(form_page.request["PATH_INFO"], data)
    assert response.status_code == 400
    assert reason in response.content.decode()
    assert _textarea(response) == data["body"]
    # The same form again: fixing it and sending it still counts as one reply.
    assert _hidden(response, "client_id") == data["client_id"]
    assert f'action="{_topic_url(topic)}#reply"' in response.content.decode()
    assert not Post.objects.filter(topic=topic, number__gt=1).exists()


def test_a_reply_form_loaded_before_the_change_still_arrives(topic, replier):
    old_address = _topic_url(topic) + "reply"
    response = client_for(replier).post(old_address, {"body": TEXT})
    assert response.status_code == 302
    assert Post.objects.get(topic=topic, number=2).body == TEXT


def test_a_reply_to_a_topic_locked_meanwhile_keeps_its_text(topic, replier, owner):
    client = client_for(replier)
    client.get(_topic_url(topic))
    services.topic_moderate(actor=owner, topic=topic, action="lock")
    response = client.post(_topic_url(topic), {"body": TEXT})
    assert response.status_code == 403
    assert "返信できなくなりました" in response.content.decode()
    assert _textarea(response) == TEXT
    assert not Post.objects.filter(topic=topic, number__gt=1).exists()


def test_a_refused_edit_comes_back_with_its_text(topic, owner):
    post = topic.posts.get()
    url = reverse("groups:post_edit", args=[topic.group.slug, post.pk])
    too_long = "直した本文" + "あ" * 20_000
    response = client_for(owner).post(url, {"title": "相談", "body": too_long, "version": 1})
    assert response.status_code == 400
    assert "20000" in response.content.decode()
    assert _textarea(response) == too_long
    post.refresh_from_db()
    assert post.body == "本文"


def test_an_edit_of_a_post_deleted_meanwhile_keeps_its_text(topic, replier, owner):
    reply = services.post_create(author=replier, topic=topic, body="最初の返信")
    services.post_delete(actor=owner, post=reply, reason="重複")
    url = reverse("groups:post_edit", args=[topic.group.slug, reply.pk])
    response = client_for(replier).post(url, {"body": TEXT, "version": 1})
    assert response.status_code == 409
    assert "削除されたため" in response.content.decode()
    assert _textarea(response) == TEXT


# --- stale edits --------------------------------------------------------------------------


def test_a_stale_edit_is_refused_with_both_texts_until_merged(topic, replier, owner):
    reply = services.post_create(author=replier, topic=topic, body="補助金の締切は5月です")
    url = reverse("groups:post_edit", args=[topic.group.slug, reply.pk])
    author = client_for(replier)
    old_tab = author.get(url)
    assert _hidden(old_tab, "version") == "1"

    moderator_edit = "補助金の締切は6月です(モデレーターが訂正)"
    response = client_for(owner).post(url, {"body": moderator_edit, "version": "1"})
    assert response.status_code == 302

    mine = "補助金の締切は5月です。申請書は様式2を使います"
    response = author.post(url, {"body": mine, "version": _hidden(old_tab, "version")})
    assert response.status_code == 409
    page = response.content.decode()
    assert "ほかの人が変更しました" in page
    assert _textarea(response) == mine  # theirs, in the box
    assert moderator_edit in page  # and the current text beside it
    reply.refresh_from_db()
    assert reply.body == moderator_edit

    # Merged and sent again from the page the conflict returned: saved, on purpose.
    merged = "補助金の締切は6月です。申請書は様式2を使います"
    response = author.post(url, {"body": merged, "version": _hidden(response, "version")})
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.body == merged and reply.version == 3


def test_an_edit_form_without_a_version_is_treated_as_stale(topic, owner):
    post = topic.posts.get()
    url = reverse("groups:post_edit", args=[topic.group.slug, post.pk])
    response = client_for(owner).post(url, {"title": "相談", "body": "版のない編集"})
    assert response.status_code == 409
    post.refresh_from_db()
    assert post.body == "本文"


def test_the_service_refuses_a_stale_version(topic, replier, owner):
    reply = services.post_create(author=replier, topic=topic, body="一")
    services.post_edit(editor=owner, post=reply, body="二", version=1)
    with pytest.raises(services.EditConflict) as refused:
        services.post_edit(editor=replier, post=reply, body="三", version=1)
    assert refused.value.current.body == "二"
    reply.refresh_from_db()
    assert (reply.body, reply.version, reply.revisions.count()) == ("二", 2, 1)


# --- double submission --------------------------------------------------------------------


def test_the_same_reply_form_sent_twice_makes_one_post(topic, replier):
    client = client_for(replier)
    form_page = client.get(_topic_url(topic))
    data = {"body": TEXT, "client_id": _hidden(form_page, "client_id")}
    first = client.post(reverse("groups:reply", args=[topic.group.slug, topic.pk]), data)
    second = client.post(reverse("groups:reply", args=[topic.group.slug, topic.pk]), data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Post.objects.filter(topic=topic, number__gt=1).count() == 1
    # A new page brings a new token: the next reply is a new post.
    fresh = _hidden(client.get(_topic_url(topic)), "client_id")
    assert fresh != data["client_id"]
    client.post(_topic_url(topic), {"body": "もう一つ", "client_id": fresh})
    assert Post.objects.filter(topic=topic, number__gt=1).count() == 2


def test_a_form_sent_again_with_other_text_keeps_that_text(group, topic, replier):
    """Back to a form whose first sending went through, changed and sent again: the changed
    text is a new post (or topic), not dropped in favour of the first."""
    client = client_for(replier)
    token = _hidden(client.get(_topic_url(topic)), "client_id")
    client.post(_topic_url(topic), {"body": "最初の文", "client_id": token})
    client.post(_topic_url(topic), {"body": "書き直した文", "client_id": token})
    replies = Post.objects.filter(topic=topic, number__gt=1).order_by("number")
    assert [post.body for post in replies] == ["最初の文", "書き直した文"]

    url = reverse("groups:topic_new", args=[group.slug])
    token = _hidden(client.get(url), "client_id")
    client.post(url, {"title": "題", "body": "最初の文", "client_id": token})
    client.post(url, {"title": "題", "body": "書き直した文", "client_id": token})
    assert Topic.objects.filter(author=replier).count() == 2


def test_the_same_new_topic_form_sent_twice_makes_one_topic(group, replier):
    client = client_for(replier)
    url = reverse("groups:topic_new", args=[group.slug])
    data = {"title": "財産調査", "body": TEXT, "client_id": _hidden(client.get(url), "client_id")}
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Topic.objects.filter(author=replier).count() == 1
    assert Post.objects.filter(author=replier).count() == 1


def _at_once(count: int, action) -> list:
    """``action(i)`` in ``count`` threads released together, each on its own connection."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(index):
        try:
            barrier.wait(timeout=10)
            results[index] = action(index)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_reply_form_make_one_post():
    owner = MemberFactory()
    group = make_group(owner)
    topic = services.topic_create(author=owner, group=group, title="同時送信", body="本文")
    replier = MemberFactory()
    Membership.objects.create(group=group, member=replier)
    clients = [client_for(replier), client_for(replier)]
    data = {"body": TEXT, "client_id": "a" * 32}
    url = reverse("groups:reply", args=[group.slug, topic.pk])
    statuses = _at_once(2, lambda i: clients[i].post(url, data).status_code)
    assert statuses == [302, 302]
    assert Post.objects.filter(topic=topic, number__gt=1).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sends_of_one_new_topic_form_make_one_topic():
    owner = MemberFactory()
    group = make_group(owner)
    clients = [client_for(owner), client_for(owner)]
    url = reverse("groups:topic_new", args=[group.slug])
    data = {"title": "同時送信", "body": TEXT, "client_id": "b" * 32}
    statuses = _at_once(2, lambda i: clients[i].post(url, data).status_code)
    assert statuses == [302, 302]
    assert Topic.objects.count() == 1 and Post.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_editors_saving_the_same_version_at_once_save_one():
    owner = MemberFactory()
    group = make_group(owner)
    post = services.topic_create(author=owner, group=group, title="同時編集", body="元").posts.get()
    moderator = MemberFactory()
    Membership.objects.create(group=group, member=moderator, role=Membership.Role.MODERATOR)
    editors = [owner, moderator]

    def edit(index):
        try:
            services.post_edit(editor=editors[index], post=post, body=f"版{index}", version=1)
        except services.EditConflict:
            return "conflict"
        return "saved"

    assert sorted(_at_once(2, edit)) == ["conflict", "saved"]
    post.refresh_from_db()
    assert post.version == 2 and post.revisions.count() == 1


# --- deleted posts ------------------------------------------------------------------------

SECRET = "口座番号 1234567 は差押え済み"
EDITED_SECRET = "訂正: 口座番号 7654321"


def test_a_deleted_posts_text_is_gone_from_every_page(
    group, owner, topic, replier, committing, run_tasks, settings
):
    settings.NOTIFICATION_MAIL_DELAY = 0
    reader, watcher = MemberFactory(), MemberFactory()
    site_moderator = MemberFactory(is_site_moderator=True)
    for member in (reader, watcher):
        Membership.objects.create(group=group, member=member)
    Watch.objects.create(member=watcher, group=group, level=WatchLevel.WATCHING)
    with committing():
        reply = services.post_create(author=replier, topic=topic, body=f"@{reader.handle} {SECRET}")
        services.post_edit(editor=replier, post=reply, body=f"@{reader.handle} {EDITED_SECRET}")
        services.post_create(author=owner, topic=topic, body="了解です", reply_to=reply)
        services.bookmark_toggle(member=reader, post=reply)
        services.flag_create(flagger=reader, post=reply, reason="personal_info")
        services.post_delete(actor=replier, post=reply, reason="個人情報を含むため")
    slug = group.slug
    pages = {
        reader: [
            _topic_url(topic),
            _topic_url(topic) + "?n=2",
            reverse("groups:post_history", args=[slug, reply.pk]),
            reverse("groups:bookmarks"),
            reverse("members:notifications"),
            reverse("groups:detail", args=[slug]),
        ],
        watcher: [reverse("members:notifications")],
        replier: [_topic_url(topic), reverse("groups:post_history", args=[slug, reply.pk])],
        owner: [
            _topic_url(topic),
            reverse("groups:post_history", args=[slug, reply.pk]),
            reverse("groups:moderation", args=[slug]),
        ],
        site_moderator: [reverse("groups:site_moderation")],
    }
    for member, urls in pages.items():
        client = client_for(member)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert "口座番号" not in page, (member, url)
    assert "個人情報を含むため" in client_for(reader).get(_topic_url(topic)).content.decode()
    assert "削除されたため" in client_for(owner).get(pages[owner][1]).content.decode()

    run_tasks()
    assert mail.outbox and all("口座番号" not in message.body for message in mail.outbox)


@pytest.mark.parametrize("edits", [1, 5])
def test_the_history_page_costs_the_same_queries_however_many_edits(
    topic, owner, edits, django_assert_num_queries
):
    post = topic.posts.get()
    for number in range(edits):
        services.post_edit(editor=owner, post=post, body=f"版{number}")
    client = client_for(owner)
    url = reverse("groups:post_history", args=[topic.group.slug, post.pk])
    client.get(url)
    with django_assert_num_queries(8):  # with the nav's counts (groups' moderation and chat
        # in one, knowledge review)
        assert client.get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
async def test_readers_with_the_topic_open_see_a_deleted_post_go():
    def world():
        owner = MemberFactory()
        group = make_group(owner, slug="live-delete")
        topic = services.topic_create(author=owner, group=group, title="質問", body="本文")
        return owner, topic, services.post_create(author=owner, topic=topic, body=SECRET)

    owner, topic, reply = await sync_to_async(world)()
    reader = await sync_to_async(MemberFactory)()
    communicator, connected = await _connect(reader, topic.pk)
    assert connected
    assert await communicator.receive_json_from() == {"type": "topic.state", "highest": 2}
    await sync_to_async(services.post_delete)(actor=owner, post=reply, reason="誤投稿")
    assert await communicator.receive_json_from(timeout=3) == {"type": "post.deleted", "number": 2}
    await communicator.disconnect()


def test_a_bookmark_of_a_deleted_post_leaves_the_list(group, owner, topic, replier):
    reply = services.post_create(author=replier, topic=topic, body=SECRET)
    services.bookmark_toggle(member=owner, post=reply)
    services.post_delete(actor=replier, post=reply, reason="誤投稿")
    assert Bookmark.objects.filter(member=owner).exists()
    page = client_for(owner).get(reverse("groups:bookmarks")).content.decode()
    assert f"#{reply.number}" not in page


@pytest.mark.django_db
def test_a_page_loaded_earlier_in_another_tab_does_not_move_the_read_state_back(owner, group):
    """Tab A loaded when 5 posts were read; meanwhile tab B read to 20. A's write of 7 must not
    bring 13 posts back as unread."""
    topic = services.topic_create(author=owner, group=group, title="既読", body="1")
    for number in range(2, 21):
        services.post_create(author=owner, topic=topic, body=f"返信{number}")
    reader = MemberFactory()
    Membership.objects.create(group=group, member=reader)
    topic.refresh_from_db()
    services.topic_mark_read(member=reader, topic=topic, number=5, known=None)
    services.topic_mark_read(member=reader, topic=topic, number=20, known=5)  # tab B
    services.topic_mark_read(member=reader, topic=topic, number=7, known=5)  # tab A, late
    assert topic.reads.get(member=reader).last_read_post_number == 20
    services.topic_mark_read(member=MemberFactory(), topic=topic, number=3, known=0)
    assert topic.reads.count() == 3
