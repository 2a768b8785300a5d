"""The notifications of the knowledge base's review (registered from KnowledgeConfig.ready): a
page sent for review tells the section's reviewers; approved (published) or sent back, it tells
its author. Sent through members.services from Wagtail's workflow signals; Wagtail's own
workflow mails are switched off (knowledge.wagtail_hooks) so nobody gets both. The keys are
stored in Notification rows: do not change them."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page, PageViewRestriction, TaskState, WorkflowState
from wagtail.signals import (
    task_submitted,
    workflow_approved,
    workflow_rejected,
    workflow_submitted,
)

from cityhall import notifications
from cityhall.notifications import NotificationKind
from groups.models import Group, Membership
from knowledge import editors, policies
from knowledge.models import PageGroupRestriction, SectionPage
from members import notification_subjects
from members.selectors import members_by_id
from members.services import notification_create, notifications_create

REVIEW = "knowledge_review"
REVIEWED = "knowledge_reviewed"

KINDS = [
    NotificationKind(
        key=REVIEW,
        label=_("ナレッジのレビュー依頼"),
        wording=_("%(actor)sさんが「%(title)s」(%(section)s)のレビューを依頼しました。"),
        order=30,
    ),
    NotificationKind(
        key=REVIEWED,
        label=_("自分が書いたナレッジのレビュー結果"),
        wording={
            "published": _("「%(title)s」が公開されました(%(actor)sさんが承認)。"),
            "rejected": _("「%(title)s」に%(actor)sさんから修正の依頼がありました。"),
            "rejected_comment": _(
                "「%(title)s」に%(actor)sさんから修正の依頼がありました。コメント: %(comment)s"
            ),
        },
        email_by_default=True,
        order=30,
    ),
]


def register() -> None:
    for kind in KINDS:
        notifications.register(kind)
    notification_subjects.register(Page, visible_pairs)
    editors.connect()
    task_submitted.connect(review_requested, dispatch_uid="knowledge.review_requested")
    workflow_approved.connect(approved, dispatch_uid="knowledge.review_approved")
    workflow_rejected.connect(rejected, dispatch_uid="knowledge.review_rejected")


def visible_pairs(pairs: set[tuple[int, int]], known=None, subjects=None) -> set[tuple[int, int]]:
    """Of (member id, page id), those where the page is listed for the member now, live or
    draft: a page under Wagtail's privacy setting is reviewed by site moderators alone, whom
    the editor shows it to (5 queries; 4 when every member is ``known``)."""
    member_ids = {member for member, _page in pairs}
    paths = dict(Page.objects.filter(pk__in={page for _member, page in pairs})
                 .values_list("pk", "path"))  # fmt: skip
    members = members_by_id(member_ids, known)
    groups: dict[int, set[int]] = {}
    for member_id, group_id in Membership.objects.filter(
        member_id__in=member_ids, group__status=Group.Status.ACTIVE
    ).values_list("member_id", "group_id"):
        groups.setdefault(member_id, set()).add(group_id)
    restrictions: dict[str, set[int]] = {}
    for path, group_id in PageGroupRestriction.objects.values_list("page__path", "group_id"):
        restrictions.setdefault(path, set()).add(group_id)
    private = frozenset(
        path for path, kind in PageViewRestriction.objects.values_list("page__path",
                                                                       "restriction_type")
        if policies.hidden_by_wagtail(kind)
    )  # fmt: skip
    seen = set()
    for member_id, page_id in pairs:
        if member_id not in members or page_id not in paths:
            continue
        viewer = policies.Viewer(members[member_id], frozenset(groups.get(member_id, ())),
                                 restrictions=restrictions, wagtail_private=private)  # fmt: skip
        if policies.can_list_path(viewer, paths[page_id]):
            seen.add((member_id, page_id))
    return seen


def reviewers(section: SectionPage):
    """Who reviews in the section (knowledge.policies.can_review_in_section): its group's
    owners and moderators, or the site moderators for a section of a field."""
    members = get_user_model().objects.filter(is_active=True)
    if section.group_id is None:
        return members.filter(Q(is_site_moderator=True) | Q(is_superuser=True))
    return members.filter(
        memberships__group_id=section.group_id,
        memberships__group__status=Group.Status.ACTIVE,
        memberships__role__in=[Membership.Role.OWNER, Membership.Role.MODERATOR],
    )


def _page_of(workflow_state) -> Page:
    return Page.objects.get(pk=workflow_state.object_id)


def _name(user) -> str:
    return getattr(user, "display_name", "") or str(user)


def review_requested(sender, instance, user=None, **kwargs):
    """task_submitted: the section's reviewers (but the one who sent it) get a review request."""
    page = _page_of(instance.workflow_state)
    section = SectionPage.objects.ancestor_of(page, inclusive=True).order_by("-depth").first()
    if section is None:
        return
    recipients = reviewers(section)
    if user is not None:
        recipients = recipients.exclude(pk=user.pk)
    notifications_create(
        recipients=recipients.distinct(),
        kind=REVIEW,
        params={"actor": _name(user), "title": page.title, "section": section.title},
        url=reverse("wagtailadmin_pages:edit", args=[page.pk]),
        subject=page,
    )


def approved(sender, instance, user=None, **kwargs):
    """workflow_approved: the page is published; its author is told."""
    _tell_author(instance, user, "published", lambda page: page.url or "")


def rejected(sender, instance, user=None, **kwargs):
    """workflow_rejected: the author is told, with the reviewer's comment if there is one."""
    _tell_author(instance, user, "rejected",
                 lambda page: reverse("wagtailadmin_pages:edit", args=[page.pk]))  # fmt: skip


def _tell_author(workflow_state, user, event: str, url) -> None:
    author = workflow_state.requested_by
    if author is None or (user is not None and author.pk == user.pk):
        return
    page = _page_of(workflow_state).specific
    params = {"event": event, "actor": _name(user), "title": page.title}
    if event == "rejected":
        task_state = workflow_state.current_task_state
        comment = task_state.get_comment() if task_state else ""
        if comment:
            params.update(event="rejected_comment", comment=comment)
    notification_create(
        recipient=author,
        kind=REVIEWED,
        params=params,
        url=url(page),
        subject=Page(pk=page.pk, path=page.path),
    )


def without_wagtails_workflow_mail() -> None:
    """Members hear of reviews through the site's notifications (above, with their mail
    preferences); Wagtail's own workflow mails would tell them twice. Called once the site is
    loaded (knowledge.cms.CmsMiddleware), after wagtail.admin connected them."""
    for signal, sender, uid in [
        (task_submitted, TaskState, "group_approval_task_submitted_email_notification"),
        (workflow_submitted, WorkflowState, "workflow_state_submitted_email_notification"),
        (workflow_rejected, WorkflowState, "workflow_state_rejected_email_notification"),
        (workflow_approved, WorkflowState, "workflow_state_approved_email_notification"),
    ]:
        signal.disconnect(sender=sender, dispatch_uid=uid)
