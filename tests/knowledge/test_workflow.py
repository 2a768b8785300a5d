"""Review in /cms/: a member's draft goes to the section's reviewers (the group's moderators),
who publish it or send it back; everyone concerned hears of it through the site's
notifications, and the moderators' queue counts what waits for them."""

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import Page, TaskState, WorkflowState
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield

from cityhall import moderation
from groups.selectors import moderation_counts
from knowledge import editors
from knowledge.models import ArticlePage
from knowledge.notifications import REVIEW, REVIEWED
from members.models import Notification
from tests.groups.conftest import client_for

TITLE = "児童手当の申請のまとめ"


def _form(title=TITLE, text="最初の版", **actions) -> dict:
    return nested_form_data({
        "title": title, "slug": "jido-teate", "date": "2026-12-01", "summary": "",
        "body": streamfield([("text", text)]),
        "people": inline_formset([]), "related_topics": inline_formset([]),
        "group_restrictions": inline_formset([]), "comments": inline_formset([]),
        "tags": "", **actions,
    })  # fmt: skip


@pytest.fixture
def owner(world):
    """The group's owner: a reviewer of its section."""
    return world.group.proposed_by


@pytest.fixture
def clients(world, owner):
    members = {"insider": world.insider, "owner": owner, "outsider": world.outsider}
    found = {name: client_for(member) for name, member in members.items()}
    for client in found.values():
        assert client.get("/cms/").status_code == 200  # brings their editor groups up to date
    return found


def _submit(client, section) -> ArticlePage:
    url = reverse("wagtailadmin_pages:add", args=["knowledge", "articlepage", section.pk])
    response = client.post(url, _form(**{"action-submit": "1"}))
    assert response.status_code == 302, response.content.decode()[-3000:]
    return ArticlePage.objects.get(title=TITLE)


def _act(client, page, action, **data):
    task_state = TaskState.objects.get(
        workflow_state__object_id=str(page.pk), status=TaskState.STATUS_IN_PROGRESS
    )
    url = reverse("wagtailadmin_pages:workflow_action", args=[page.pk, action, task_state.pk])
    return client.post(url, data)


def test_a_members_draft_waits_for_the_groups_moderators(world, owner, clients):
    page = _submit(clients["insider"], world.secret_section)
    assert not page.live
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.requested_by == world.insider
    (told,) = Notification.objects.filter(kind=REVIEW)
    assert told.recipient == owner
    assert TITLE in told.text
    assert not Notification.objects.filter(kind=REVIEW, recipient=world.insider).exists()
    assert mail.outbox == []  # Wagtail's own workflow mail is off


def test_the_author_cannot_publish_and_the_outsider_cannot_approve(world, owner, clients):
    page = _submit(clients["insider"], world.secret_section)
    assert _act(clients["outsider"], page, "approve").status_code in {403, 404}
    response = clients["insider"].post(
        reverse("wagtailadmin_pages:edit", args=[page.pk]), _form(**{"action-publish": "1"})
    )
    assert response.status_code in {200, 302, 403}
    page.refresh_from_db()
    assert not page.live


def test_approved_it_is_published_and_the_author_is_told(world, owner, clients):
    page = _submit(clients["insider"], world.secret_section)
    response = _act(clients["owner"], page, "approve", comment="")
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.live
    (told,) = Notification.objects.filter(kind=REVIEWED, recipient=world.insider)
    assert told.params["event"] == "published"
    assert told.url == page.url
    reader = client_for(world.insider)
    assert TITLE in reader.get(page.url).content.decode()
    assert client_for(world.outsider).get(page.url).status_code == 404  # the section is the group's


def test_sent_back_the_author_is_told_why(world, owner, clients):
    page = _submit(clients["insider"], world.secret_section)
    response = _act(clients["owner"], page, "reject", comment="根拠の条文を足してください")
    assert response.status_code == 302
    page.refresh_from_db()
    assert not page.live
    (told,) = Notification.objects.filter(kind=REVIEWED, recipient=world.insider)
    assert told.params["event"] == "rejected_comment"
    assert "根拠の条文" in told.params["comment"]


def test_the_reviewer_compares_the_revisions(world, owner, clients):
    add = reverse("wagtailadmin_pages:add", args=["knowledge", "articlepage",
                                                  world.secret_section.pk])  # fmt: skip
    assert clients["insider"].post(add, _form()).status_code == 302  # a draft, not yet sent
    page = ArticlePage.objects.get(title=TITLE)
    first = page.latest_revision
    edit = reverse("wagtailadmin_pages:edit", args=[page.pk])
    response = clients["insider"].post(edit, _form(text="書き直した版", **{"action-submit": "1"}))
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.latest_revision != first
    assert page.workflow_in_progress
    url = reverse("wagtailadmin_pages:revisions_compare", args=[page.pk, first.pk, "latest"])
    response = clients["owner"].get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "最初の版" in body and "書き直した版" in body
    history = clients["owner"].get(reverse("wagtailadmin_pages:history", args=[page.pk]))
    assert history.status_code == 200


def test_a_field_section_is_reviewed_by_site_moderators(world, clients, member):
    member.is_site_moderator = True
    member.save()
    site_moderator = client_for(member)
    site_moderator.get("/cms/")
    page = _submit(clients["outsider"], world.section)
    assert Notification.objects.get(kind=REVIEW).recipient == member
    assert _act(site_moderator, page, "approve", comment="").status_code == 302
    page.refresh_from_db()
    assert page.live


def test_the_moderation_queue_counts_what_waits(world, owner, clients, django_assert_num_queries):
    def waiting(member):
        member = type(member).objects.get(pk=member.pk)
        found = {item.key: item for item in moderation.waiting(member)}
        return found.get("knowledge_review")

    assert waiting(owner).count == 0
    assert waiting(world.insider) is None
    page = _submit(clients["insider"], world.secret_section)
    assert waiting(owner).count == 1
    assert waiting(owner).url == reverse("wagtailadmin_home")
    member = type(owner).objects.get(pk=owner.pk)
    member._verified_member = True
    assert moderation_counts(member).moderates  # what the page's queues have asked already
    with django_assert_num_queries(1):
        assert editors.waiting_for(member) == 1
    _act(clients["owner"], page, "approve", comment="")
    assert waiting(owner).count == 0
    home = clients["owner"].get(reverse("wagtailadmin_home"))
    assert home.status_code == 200


def test_the_dashboard_lists_the_page_for_its_reviewer(world, owner, clients):
    _submit(clients["insider"], world.secret_section)
    assert TITLE in clients["owner"].get(reverse("wagtailadmin_home")).content.decode()
    assert Page.objects.filter(title=TITLE, live=False).exists()


def test_the_dashboard_leaves_out_a_page_under_wagtails_privacy_setting(world, owner, clients):
    """Its reviewer cannot open it (knowledge.policies: site moderators alone list it), so the
    panel does not name it either."""
    from wagtail.models import PageViewRestriction

    page = _submit(clients["insider"], world.secret_section)
    PageViewRestriction.objects.create(page=page, restriction_type="password", password="x")
    assert TITLE not in clients["owner"].get(reverse("wagtailadmin_home")).content.decode()
