"""Writing: preview before posting (JSON endpoint and the 「プレビュー」 button without
JavaScript), drafts kept on the server per topic and per new-topic form, quoting a post in a
reply, and the edit history as a word diff."""

import pytest
from django.urls import reverse

from groups import drafts, services
from groups.models import Draft, Membership, Post, Topic
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db

PREVIEW = reverse("markdown_preview")
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def topic(group, owner):
    return services.topic_create(author=owner, group=group, title="差押えの手順", body="最初の投稿")


@pytest.fixture
def writer(group):
    member = MemberFactory(display_name="税務 一郎")
    Membership.objects.create(group=group, member=member)
    return member


def _topic_url(topic):
    return reverse("groups:topic", args=[topic.group.slug, topic.pk])


def _draft(client, group, **data):
    return client.post(reverse("groups:draft", args=[group.slug]), {"via": "js", **data})


# --- preview ------------------------------------------------------------------------------


def test_preview_renders_markdown_through_the_one_renderer(member_client):
    response = member_client.post(
        PREVIEW, {"text": "**太字** と [リンク](https://example.jp) <script>x</script>"}, **JSON
    )
    assert response.status_code == 200
    html = response.json()["html"]
    assert "<strong>太字</strong>" in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<script>" not in html


def test_preview_errors_are_json(member_client, anonymous_client):
    too_long = member_client.post(PREVIEW, {"text": "あ" * 20001}, **JSON)
    assert too_long.status_code == 400 and too_long.json()["error"] == "too_long"
    get = member_client.get(PREVIEW, **JSON)
    assert get.status_code == 405 and get.json()["error"] == "method_not_allowed"
    assert anonymous_client.post(PREVIEW, {"text": "x"}, **JSON).status_code == 401


def test_preview_is_rate_limited_like_other_writes(member_client, rate_limits):
    rate_limits["preview"] = "2 per minute"
    for _ in range(2):
        assert member_client.post(PREVIEW, {"text": "x"}, **JSON).status_code == 200
    refused = member_client.post(PREVIEW, {"text": "x"}, **JSON)
    assert refused.status_code == 429 and refused.json()["error"] == "rate_limited"
    assert refused["Retry-After"]


def test_preview_needs_the_csrf_token(member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post(PREVIEW, {"text": "x"}, **JSON).status_code == 403


def test_preview_button_without_js_keeps_the_new_topic_text_and_posts_nothing(group, owner):
    response = client_for(owner).post(
        reverse("groups:topic_new", args=[group.slug]),
        {"title": "題", "body": "- 一つ目\n- 二つ目", "tags": "滞納", "preview": "1",
         "client_id": "abc"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "<li>一つ目</li>" in page  # the preview
    assert "- 一つ目\n- 二つ目</textarea>" in page and 'value="題"' in page  # the text kept
    assert 'value="abc"' in page  # the same one-time token: still one topic when sent
    assert not Topic.objects.exists()


def test_preview_button_on_a_reply_and_an_edit(topic, owner, writer):
    client = client_for(writer)
    response = client.post(_topic_url(topic), {"body": "**返信案**", "preview": "1"})
    page = response.content.decode()
    assert "<strong>返信案</strong>" in page and "**返信案**</textarea>" in page
    assert topic.posts.count() == 1

    post = topic.posts.get()
    edit = client_for(owner).post(
        reverse("groups:post_edit", args=[topic.group.slug, post.pk]),
        {"title": "差押えの手順", "body": "`直した`", "version": 1, "preview": "1"},
    )
    assert "<code>直した</code>" in edit.content.decode()
    post.refresh_from_db()
    assert post.body == "最初の投稿" and post.version == 1


# --- drafts -------------------------------------------------------------------------------


def test_a_reply_draft_comes_back_on_reload_and_on_another_device(topic, writer):
    saved = _draft(client_for(writer), topic.group, topic=topic.pk, body="書きかけの返信")
    assert saved.status_code == 200 and saved.json()["saved"] is True
    other_device = client_for(writer)
    page = other_device.get(_topic_url(topic)).content.decode()
    assert "書きかけの返信</textarea>" in page
    assert "保存されていた下書き" in page


def test_a_new_topic_draft_is_kept_per_group(group, writer):
    _draft(client_for(writer), group, title="新しい題", body="本文の書きかけ")
    page = client_for(writer).get(reverse("groups:topic_new", args=[group.slug])).content.decode()
    assert 'value="新しい題"' in page and "本文の書きかけ</textarea>" in page
    draft = Draft.objects.get()
    assert draft.topic is None and draft.group == group


def test_the_draft_is_deleted_when_the_post_is_made(topic, group, writer):
    client = client_for(writer)
    _draft(client, group, topic=topic.pk, body="送る前")
    _draft(client, group, title="題", body="新トピック")
    assert Draft.objects.count() == 2
    client.post(_topic_url(topic), {"body": "送った返信", "client_id": "r1"})
    client.post(reverse("groups:topic_new", args=[group.slug]),
                {"title": "題", "body": "新トピック", "client_id": "t1"})  # fmt: skip
    assert not Draft.objects.exists()
    # a save that set off before the post but arrives after it does not bring the draft back
    late = _draft(client, group, topic=topic.pk, body="送った返信", client_id="r1")
    assert late.json()["saved"] is False and not Draft.objects.exists()
    assert "送った返信</textarea>" not in client.get(_topic_url(topic)).content.decode()


def test_a_draft_is_discarded_in_one_statement(topic, group, writer, django_assert_num_queries):
    """Nothing on the site listens to every model's deletes (knowledge's receivers name the
    page models): a delete that nobody listens to is one statement, with no read first."""
    _draft(client_for(writer), group, topic=topic.pk, body="送る前")
    with django_assert_num_queries(1):
        drafts.draft_discard(member=writer, group=group, topic=topic)
    assert not Draft.objects.exists()


def test_the_later_save_wins_and_empty_text_discards(topic, writer):
    first_tab, second_tab = client_for(writer), client_for(writer)
    _draft(first_tab, topic.group, topic=topic.pk, body="一つ目のタブ")
    before = Draft.objects.get().updated_at
    _draft(second_tab, topic.group, topic=topic.pk, body="二つ目のタブ")
    draft = Draft.objects.get()
    assert draft.body == "二つ目のタブ" and draft.updated_at >= before
    assert _draft(first_tab, topic.group, topic=topic.pk, body="  ").json()["saved"] is False
    assert not Draft.objects.exists()


def test_discard_without_js_goes_back_to_the_form(topic, writer):
    client = client_for(writer)
    _draft(client, topic.group, topic=topic.pk, body="消す下書き")
    response = client.post(reverse("groups:draft", args=[topic.group.slug]),
                           {"topic": topic.pk, "discard": "1", "body": "消す下書き"})  # fmt: skip
    assert response.status_code == 302 and response["Location"].endswith("#reply")
    assert not Draft.objects.exists()


def test_drafts_only_where_the_member_may_write(topic, group):
    outsider = client_for(MemberFactory())
    refused = _draft(outsider, group, topic=topic.pk, body="x")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    closed = make_group(MemberFactory(), kind="closed", slug="himitsu")
    assert _draft(outsider, closed, body="x").status_code == 403  # may not read it
    member = client_for(Membership.objects.get(group=group).member)
    assert _draft(member, group, topic=999999, body="x").status_code == 404
    assert _draft(member, group, body="あ" * 20001).json()["error"] == "invalid"
    assert not Draft.objects.exists()


def test_draft_saves_are_rate_limited(topic, writer, rate_limits):
    rate_limits["draft"] = "1 per minute"
    client = client_for(writer)
    assert _draft(client, topic.group, topic=topic.pk, body="a", **{}).status_code == 200
    refused = client.post(reverse("groups:draft", args=[topic.group.slug]),
                          {"topic": topic.pk, "body": "ab"}, **JSON)  # fmt: skip
    assert refused.status_code == 429


# --- quotes -------------------------------------------------------------------------------


def test_quote_link_opens_the_reply_form_filled_in(topic, owner, writer):
    post = topic.posts.get()
    page = client_for(writer).get(_topic_url(topic) + "?quote=1").content.decode()
    assert f"&gt; [債権 花子さんの投稿 #1](/groups/saiken/t/{topic.pk}/?n=1#p1) より:" in page
    assert "&gt; 最初の投稿" in page
    assert 'name="reply_to" value="1"' in page
    data = (
        client_for(writer)
        .get(reverse("groups:quote", args=[topic.group.slug, post.pk]), **JSON)
        .json()
    )
    assert data["number"] == 1 and data["text"].endswith("> 最初の投稿\n\n")
    assert owner.display_name in data["text"]


def test_a_quote_keeps_the_draft_before_it(topic, writer):
    _draft(client_for(writer), topic.group, topic=topic.pk, body="前置き")
    page = client_for(writer).get(_topic_url(topic) + "?quote=1").content.decode()
    assert "前置き\n\n&gt; [" in page


def test_deleted_and_hidden_posts_are_not_quoted(topic, owner, writer):
    reply = services.post_create(author=owner, topic=topic, body="口座番号 1234")
    services.post_delete(actor=owner, post=reply, reason="個人情報")
    client = client_for(writer)
    assert client.get(reverse("groups:quote", args=[topic.group.slug, reply.pk])).status_code == 404
    assert "口座番号" not in client.get(_topic_url(topic) + "?quote=2").content.decode()
    hidden = services.post_create(author=owner, topic=topic, body="隠された文")
    Post.objects.filter(pk=hidden.pk).update(is_hidden=True)
    assert (
        client.get(reverse("groups:quote", args=[topic.group.slug, hidden.pk])).status_code == 404
    )
    assert "隠された文" not in client.get(_topic_url(topic) + "?quote=3").content.decode()


def test_posts_offer_the_quote_link_only_to_those_who_may_reply(topic, writer):
    assert "?quote=1#reply" in client_for(writer).get(_topic_url(topic)).content.decode()
    reader = MemberFactory()  # may read the open group, has not joined
    assert "?quote=1#reply" not in client_for(reader).get(_topic_url(topic)).content.decode()


# --- history as a word diff ---------------------------------------------------------------


def test_history_marks_deleted_and_inserted_words(topic, owner):
    post = topic.posts.get()
    services.post_edit(editor=owner, post=post, body="4月に税務部へ異動しました。",
                       title="差押えの手順(改訂)")  # fmt: skip
    services.post_edit(editor=owner, post=post, body="4月に財政部へ異動しました。")
    page = (
        client_for(owner)
        .get(reverse("groups:post_history", args=[topic.group.slug, post.pk]))
        .content.decode()
    )
    assert '<del><span class="visually-hidden">[削除]</span>税務部</del>' in page
    assert '<ins><span class="visually-hidden">[追加]</span>財政部</ins>' in page
    assert "へ異動しました。" in page  # the unchanged words are shown once, unmarked
    assert "(改訂)</ins>" in page  # the title's change too
    assert "@@" not in page and "diff-add" not in page


def test_draft_and_quote_keep_the_topic_page_query_count(topic, writer, django_assert_num_queries):
    client = client_for(writer)
    url = _topic_url(topic)
    client.get(url)
    with django_assert_num_queries(10):  # the draft is one of them; the tags come with the topic
        client.get(url)
    for number in range(5):
        services.post_create(author=writer, topic=topic, body=f"返信{number}")
    _draft(client, topic.group, topic=topic.pk, body="下書き")
    client.get(url)
    with django_assert_num_queries(10):
        assert "下書き</textarea>" in client.get(url).content.decode()
    with django_assert_num_queries(11):  # and the quoted post
        assert client.get(url + "?quote=2").status_code == 200


def test_new_topic_page_query_count(group, writer, django_assert_num_queries):
    client = client_for(writer)
    url = reverse("groups:topic_new", args=[group.slug])
    client.get(url)
    with django_assert_num_queries(6):
        client.get(url)
    _draft(client, group, title="題", body="本文")
    with django_assert_num_queries(6):
        assert 'value="題"' in client.get(url).content.decode()


def test_a_topic_shows_its_tags_in_name_order_and_a_topic_without_tags_none(group, owner):
    tagged = services.topic_create(author=owner, group=group, title="交付税の算定", body="本文",
                                   tags=["財政", "交付税", "DX"])  # fmt: skip
    plain = services.topic_create(author=owner, group=group, title="雑談", body="本文")
    client = client_for(owner)

    page = client.get(_topic_url(tagged)).content.decode()
    assert (
        '<span class="tag">#DX</span> <span class="tag">#交付税</span> <span class="tag">#財政</span>'
        in page
    )
    assert 'class="tag">#' not in client.get(_topic_url(plain)).content.decode()
    listing = client.get(reverse("groups:detail", args=[group.slug])).content.decode()
    row = listing[listing.index("交付税の算定") :]
    row = row[: row.index("</tr>")]
    assert '#DX</span> <span class="tag">#交付税</span> <span class="tag">#財政</span>' in row


# --- text that shows nothing ----------------------------------------------------------------


def test_a_reply_or_topic_of_zero_width_spaces_alone_is_refused_and_nothing_saved(topic, writer):
    client = client_for(writer)
    invisible = "\u200b\u200b\u2060\ufeff"
    reply = client.post(_topic_url(topic), {"body": invisible, "reply_to": ""})
    assert reply.status_code == 400 and "field--error" in reply.content.decode()
    assert topic.posts.count() == 1
    new = client.post(reverse("groups:topic_new", args=[topic.group.slug]),
                      {"title": invisible, "body": "本文"})  # fmt: skip
    assert new.status_code == 400 and Topic.objects.count() == 1
    kept = client.post(_topic_url(topic), {"body": "\u200bあ", "reply_to": ""})
    assert kept.status_code == 302 and topic.posts.count() == 2
