"""Who may write, review and publish in /cms/, in Wagtail's own terms. Wagtail knows Django auth
groups with page and collection permissions, not topic groups; this module derives, for each
SectionPage, two auth groups ("knowledge-<section id>-editors": add and change on the section;
"knowledge-<section id>-reviewers": add, change and publish), a collection for the section's
images and documents (its editors add and choose there, so nobody picks another group's files)
and a workflow whose one task its reviewers approve. Sections are set up lazily the first time
anyone opens /cms/ after they appear (the importer need not know), and a member's auth groups
follow their topic groups (knowledge.policies) each time they open /cms/ or their memberships
change."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group as AuthGroup
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    TaskState,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from cityhall.policies import is_site_moderator, is_verified_member
from groups.selectors import moderation_counts
from knowledge import policies, selectors
from knowledge.models import SectionPage

PREFIX = "knowledge-"
EVERYONE = "knowledge-editors"  # every verified member: may open /cms/
EDITORS = "editors"
REVIEWERS = "reviewers"
PAGE_PERMISSIONS = {
    EDITORS: ["add_page", "change_page"],
    REVIEWERS: ["add_page", "change_page", "publish_page"],
}
FILE_PERMISSIONS = [
    ("wagtailimages", "add_image"),
    ("wagtailimages", "choose_image"),
    ("wagtaildocs", "add_document"),
    ("wagtaildocs", "choose_document"),
]


def group_name(section_id: int, role: str) -> str:
    return f"{PREFIX}{section_id}-{role}"


@dataclass(frozen=True)
class Section:
    """What the policies need of a section (knowledge.policies asks .path and .group_id)."""

    pk: int
    path: str
    group_id: int | None
    title: str


def sections() -> list[Section]:
    return [Section(*row) for row in SectionPage.objects.order_by("path").values_list(
        "pk", "path", "group_id", "title")]  # fmt: skip


def ensure_sections(found: list[Section]) -> dict[str, AuthGroup]:
    """Every knowledge auth group by name, setting up the sections that have none yet (2
    queries when nothing is new)."""
    groups = {group.name: group for group in AuthGroup.objects.filter(name__startswith=PREFIX)}
    for section in found:
        if group_name(section.pk, REVIEWERS) not in groups:
            groups.update(_set_up(section))
    if EVERYONE not in groups:
        groups[EVERYONE] = _everyone()
    return groups


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _everyone() -> AuthGroup:
    group, _created = AuthGroup.objects.get_or_create(name=EVERYONE)
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    return group


@transaction.atomic
def _set_up(section: Section) -> dict[str, AuthGroup]:
    """The section's two auth groups, their page permissions, its collection and workflow."""
    made = {}
    for role, codenames in PAGE_PERMISSIONS.items():
        group, _created = AuthGroup.objects.get_or_create(name=group_name(section.pk, role))
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page_id=section.pk, permission=_permission("wagtailcore", codename)
            )
        made[group.name] = group
    collection = Collection.get_first_root_node().add_child(name=section.title)
    for group in made.values():
        for app_label, codename in FILE_PERMISSIONS:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=collection, permission=_permission(app_label, codename)
            )
    _workflow(section, made[group_name(section.pk, REVIEWERS)])
    return made


def _workflow(section: Section, reviewers: AuthGroup) -> None:
    if WorkflowPage.objects.filter(page_id=section.pk).exists():
        return
    workflow = Workflow.objects.create(name=_("「%(title)s」のレビュー") % {"title": section.title})
    task = GroupApprovalTask.objects.create(
        name=_("「%(title)s」のモデレーターの確認") % {"title": section.title}
    )
    task.groups.set([reviewers])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(page_id=section.pk, workflow=workflow)


def wanted_groups(member, found: list[Section]) -> set[str]:
    """The knowledge auth groups the member belongs in, from their topic groups."""
    seen = selectors.viewer(member)
    wanted = {EVERYONE}
    for section in found:
        if policies.can_write_in_section(seen, section):
            wanted.add(group_name(section.pk, EDITORS))
        if policies.can_review_in_section(seen, section):
            wanted.add(group_name(section.pk, REVIEWERS))
    return wanted


def sync(member) -> None:
    """Put the member in the knowledge auth groups their topic groups call for, and in no
    other (about 5 queries when nothing changed)."""
    found = sections()
    groups = ensure_sections(found)
    if not is_verified_member(member):
        wanted = set()
    else:
        wanted = wanted_groups(member, found)
    current = set(member.groups.filter(name__startswith=PREFIX).values_list("name", flat=True))
    if current - wanted:
        member.groups.remove(*[groups[name] for name in current - wanted if name in groups])
    if wanted - current:
        member.groups.add(*[groups[name] for name in wanted - current])
    if current != wanted:
        for cached in ("_perm_cache", "_group_perm_cache", "_user_perm_cache"):
            member.__dict__.pop(cached, None)


def waiting_for(member) -> int | None:
    """Pages waiting in a workflow for a task the member may approve; None when the member
    reviews no section. 1 query, and none for a member who moderates nothing (what groups'
    queues already asked, groups.selectors.moderation_counts, says so)."""
    if not is_site_moderator(member) and not moderation_counts(member).moderates:
        return None
    found = member.groups.filter(name__startswith=PREFIX, name__endswith=f"-{REVIEWERS}").aggregate(
        sections=Count("pk", distinct=True),
        waiting=Count(
            "groupapprovaltask__task_states__workflow_state",
            filter=Q(groupapprovaltask__task_states__status=TaskState.STATUS_IN_PROGRESS),
            distinct=True,
        ),
    )
    return found["waiting"] if found["sections"] else None


def membership_changed(sender, instance, **kwargs):
    """A member joined, left or changed role in a topic group: their Wagtail groups follow once
    the change is committed (they follow anyway the next time the member opens /cms/)."""
    member_id = instance.member_id
    transaction.on_commit(lambda: _sync_by_id(member_id))


def _sync_by_id(member_id: int) -> None:
    member = get_user_model().objects.filter(pk=member_id).first()
    if member is not None:
        sync(member)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from groups.models import Membership

    post_save.connect(membership_changed, sender=Membership, dispatch_uid="knowledge.editors")
    post_delete.connect(membership_changed, sender=Membership, dispatch_uid="knowledge.editors")
