"""A secret group, and the topics of a closed group, leak by no route: outsiders get the same
404 as for ids that do not exist (closed groups: 403 only where the group is known)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups import services
from groups.models import Attachment, Membership
from tests.factories import MemberFactory
from tests.groups.conftest import client_for, make_group

pytestmark = pytest.mark.django_db
SECRET_TEXT = "職員団体との交渉メモ"


def _routes(group, topic, post, attachment):
    slug = group.slug
    return [
        ("get", reverse("groups:detail", args=[slug])),
        ("get", reverse("groups:members", args=[slug])),
        ("get", reverse("groups:moderation", args=[slug])),
        ("get", reverse("groups:topic_new", args=[slug])),
        ("get", reverse("groups:topic", args=[slug, topic.pk])),
        ("post", reverse("groups:reply", args=[slug, topic.pk])),
        ("post", reverse("groups:moderate", args=[slug, topic.pk])),
        ("get", reverse("groups:post_edit", args=[slug, post.pk])),
        ("get", reverse("groups:post_delete", args=[slug, post.pk])),
        ("get", reverse("groups:post_history", args=[slug, post.pk])),
        ("post", reverse("groups:react", args=[slug, post.pk])),
        ("post", reverse("groups:bookmark", args=[slug, post.pk])),
        ("post", reverse("groups:accept", args=[slug, post.pk])),
        ("post", reverse("groups:flag", args=[slug, post.pk])),
        ("post", reverse("groups:watch", args=[slug])),
        ("get", reverse("groups:attachment", args=[slug, attachment.pk, attachment.original_name])),
    ]


@pytest.fixture
def secret_world(owner):
    group = make_group(owner, kind="secret", slug="kosho", name="労使交渉")
    topic = services.topic_create(
        author=owner, group=group, title=SECRET_TEXT, body=SECRET_TEXT, is_question=True,
        files=[SimpleUploadedFile("メモ.pdf", b"%PDF-1.7\n")],
    )  # fmt: skip
    post = topic.posts.get()
    return group, topic, post, Attachment.objects.get()


def test_outsiders_get_404_on_every_route_of_a_secret_group(secret_world):
    outsider = client_for(MemberFactory())
    for method, url in _routes(*secret_world):
        response = getattr(outsider, method)(url)
        assert response.status_code == 404, (method, url, response.status_code)
        assert SECRET_TEXT not in response.content.decode()


def test_secret_groups_are_absent_from_listings(secret_world):
    outsider = client_for(MemberFactory())
    for url in (reverse("groups:index"), reverse("groups:bookmarks")):
        assert "労使交渉" not in outsider.get(url).content.decode()


def test_members_can_read_it(secret_world):
    group = secret_world[0]
    member = MemberFactory()
    Membership.objects.create(group=group, member=member)
    client = client_for(member)
    topic, attachment = secret_world[1], secret_world[3]
    assert (
        SECRET_TEXT
        in client.get(reverse("groups:topic", args=[group.slug, topic.pk])).content.decode()
    )
    url = reverse("groups:attachment", args=[group.slug, attachment.pk, attachment.original_name])
    assert client.get(url).status_code == 200


def test_closed_group_topics_are_closed_to_non_members(owner):
    group = make_group(owner, kind="closed", slug="zaisei", name="財政")
    topic = services.topic_create(author=owner, group=group, title=SECRET_TEXT, body=SECRET_TEXT)
    outsider = client_for(MemberFactory())
    page = outsider.get(reverse("groups:detail", args=[group.slug]))
    assert page.status_code == 200 and SECRET_TEXT not in page.content.decode()
    assert outsider.get(reverse("groups:topic", args=[group.slug, topic.pk])).status_code == 403


def test_ids_from_another_group_are_404(secret_world, owner):
    open_group = make_group(MemberFactory(), slug="hiraita", name="公開")
    post = secret_world[2]
    client = client_for(owner)
    assert (
        client.get(reverse("groups:post_history", args=[open_group.slug, post.pk])).status_code
        == 404
    )
