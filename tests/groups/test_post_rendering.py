"""Post HTML is cached by content: whatever changes, the next page view shows it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services
from groups.models import Membership
from tests.factories import MemberFactory, organization
from tests.groups.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(group, owner):
    topic = services.topic_create(
        author=owner, group=group, title="督促状の文例", body="文例を探しています", is_question=True
    )
    answerer = MemberFactory(display_name="回答 太郎")
    Membership.objects.create(group=group, member=answerer)
    reply = services.post_create(author=answerer, topic=topic, body="うちの文例です")
    return topic, reply, answerer


def page(client, topic) -> str:
    url = reverse("groups:topic", args=[topic.group.slug, topic.pk])
    return client.get(url).content.decode()


def test_author_rename_edit_and_reactions_show_at_once(answered, owner):
    topic, reply, answerer = answered
    reader = client_for(owner)
    assert "回答 太郎" in page(reader, topic)

    answerer.display_name = "改名 次郎"
    answerer.save()
    services.post_edit(editor=answerer, post=reply, body="差し替えた文例です")
    services.reaction_toggle(member=owner, post=reply, kind="thanks")
    html = page(reader, topic)
    assert "改名 次郎" in html and "回答 太郎" not in html
    assert "差し替えた文例です" in html and "編集済み" in html
    assert 'aria-pressed="true">ありがとう 1</button>' in html


def test_one_members_state_never_shows_on_anothers_page(answered, owner):
    topic, reply, answerer = answered
    services.bookmark_toggle(member=owner, post=reply)
    services.reaction_toggle(member=owner, post=reply, kind="helpful")
    assert "ブックマーク済み" in page(client_for(owner), topic)

    html = page(client_for(answerer), topic)
    assert "ブックマーク済み" not in html
    assert 'aria-pressed="false">参考になった 1</button>' in html
    assert "この回答で解決" not in html  # only the asker (or a moderator) accepts


def test_accepting_changes_the_fragment_and_language_is_part_of_it(answered, owner):
    topic, reply, _answerer = answered
    asker = client_for(owner)
    assert "この回答で解決" in page(asker, topic)
    asker.post(reverse("groups:accept", args=[topic.group.slug, reply.pk]))
    html = page(asker, topic)
    assert "解決済みを取り消す" in html and "この回答で解決" not in html

    asker.cookies["django_language"] = "en"
    english = page(asker, topic)
    assert "解決済みを取り消す" not in english and "Bookmark" in english


def test_post_buttons_send_the_pages_one_form_with_its_token(answered, owner):
    topic, reply, _answerer = answered
    html = page(client_for(owner), topic)
    assert (
        '<form id="post-actions" method="post"><input type="hidden" name="csrfmiddlewaretoken"'
        in html
    )
    react = reverse("groups:react", args=[topic.group.slug, reply.pk])
    assert f'form="post-actions" formaction="{react}" name="kind" value="thanks"' in html


def test_each_posts_links_are_its_own(answered, owner):
    """The links are reversed once for the page and filled with each post's id: every one
    must be what reverse() gives for that post, and none another post's."""
    topic, reply, answerer = answered
    services.post_edit(editor=owner, post=topic.posts.get(number=1), body="文例を探しています。")
    html = page(client_for(owner), topic)
    slug = topic.group.slug
    for post in topic.posts.all():
        names = ["react", "bookmark", "quote", "flag" if post.author != owner else "post_edit"]
        names += ["post_history"] if post.edited_at else ["accept"]
        for name in names:
            assert reverse(f"groups:{name}", args=[slug, post.pk]) in html, (name, post.number)
        assert reverse("members:detail", args=[post.author.pk]) in html
        assert reverse("members:card", args=[post.author.pk]) in html
    assert reverse("groups:post_delete", args=[slug, topic.posts.get(number=1).pk]) in html


def test_every_kind_of_post_shows_in_a_fixed_number_of_queries(
    answered, owner, django_assert_num_queries
):
    topic, reply, answerer = answered
    reader = client_for(owner)  # the asker, who moderates the group
    page(reader, topic)
    with CaptureQueriesContext(connection) as few:
        page(reader, topic)
    few = len(few)  # counted now: each request empties the connection's log
    quoted = services.post_create(author=owner, topic=topic, body="ありがとう", reply_to=reply)
    services.post_edit(editor=answerer, post=reply, body="直した文例です")
    hidden = services.post_create(author=answerer, topic=topic, body="宣伝です")
    services.post_set_hidden(actor=owner, post=hidden, hidden=True, reason="宣伝")
    gone = services.post_create(author=answerer, topic=topic, body="個人情報を書いてしまいました")
    services.post_delete(actor=owner, post=gone, reason="個人情報")
    answerer.organization = None
    answerer.save()
    page(reader, topic)
    with django_assert_num_queries(few):
        html = page(reader, topic)
    assert "直した文例です" in html and "編集済み" in html and "回答 太郎" in html
    assert f"#{reply.number}" in html and "宣伝です" in html  # a moderator sees hidden posts
    assert "個人情報を書いてしまいました" not in html and quoted.body in html


def test_each_post_names_its_author_their_organization_and_the_post_it_answers(answered, owner):
    topic, reply, answerer = answered
    answerer.organization = organization("葉山町")  # a town: its prefecture's name before it
    answerer.save()
    owner.organization = organization("横浜市")  # a designated city: its name alone
    owner.save()
    services.post_create(author=owner, topic=topic, body="ありがとう", reply_to=reply)
    html = page(client_for(owner), topic)
    posts = html.split('<article class="post')[1:]
    assert len(posts) == 3
    assert "回答 太郎" in posts[1] and "神奈川県葉山町" in posts[1]
    assert "横浜市" in posts[2] and "神奈川県横浜市" not in posts[2]
    assert f"回答 太郎さんの #{reply.number} への返信" in posts[2]
    assert "への返信" not in posts[1]


def test_a_kept_post_changed_in_any_way_shows_changed(answered, owner):
    """Each change to what a post's markup is made of, after the page was opened and its
    posts kept, shows on the next view: hidden, the author's organization, the moderator's
    delete with its reason, and for another reader their own buttons."""
    topic, reply, answerer = answered
    reader = client_for(owner)
    assert "post--hidden" not in page(reader, topic)

    services.post_set_hidden(actor=owner, post=reply, hidden=True, reason="確認中")
    assert '<article class="post post--hidden"' in page(reader, topic)

    answerer.organization = organization("葉山町")
    answerer.save()
    assert "神奈川県葉山町" in page(reader, topic)

    reply.refresh_from_db()
    services.post_delete(actor=owner, post=reply, reason="重複")
    html = page(reader, topic)
    assert "うちの文例です" not in html and "重複" in html

    first = topic.posts.get(number=1)
    edit = reverse("groups:post_edit", args=[topic.group.slug, first.pk])
    flag = reverse("groups:flag", args=[topic.group.slug, first.pk])
    assert edit in page(reader, topic) and flag not in page(reader, topic)
    others = page(client_for(answerer), topic)
    assert edit not in others and flag in others


def test_the_same_post_for_two_readers_with_the_same_rights_is_each_ones_own(
    answered, owner, group
):
    """In a locked topic neither its author nor another member may edit or quote the reply:
    all that differs is who wrote it, and only the other member may report it."""
    topic, reply, answerer = answered
    services.topic_moderate(actor=owner, topic=topic, action="lock", reason="解決済み")
    other = MemberFactory()
    Membership.objects.create(group=group, member=other)
    flag = reverse("groups:flag", args=[topic.group.slug, reply.pk])
    assert flag not in page(client_for(answerer), topic)
    assert flag in page(client_for(other), topic)


def test_a_kept_posts_body_written_again_shows_the_new_body(answered, owner):
    """A body written again with nothing else of the post changed (as a new Markdown renderer
    would write every body again), even to a body of the same length, shows on the next view."""
    from groups.models import Post

    topic, reply, _answerer = answered
    reader = client_for(owner)
    assert "うちの文例です" in page(reader, topic)
    same_length = reply.body_html.replace("文例", "様式")
    assert len(same_length) == len(reply.body_html)
    Post.objects.filter(pk=reply.pk).update(body_html=same_length)
    html = page(reader, topic)
    assert "うちの様式です" in html and "うちの文例です" not in html
