"""import_knowledge: a folder of Markdown files (knowledge/markdown_files.py) becomes live pages
in the group's section, or topics in the group. The file's name is its key: the same file makes
the same page again, a changed file publishes a new revision, a bad file is reported and the
others still go in (each file in its own transaction)."""

from dataclasses import dataclass, field, replace
from datetime import datetime, time
from pathlib import Path

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.translation import gettext as _

from groups import services as group_services
from groups.models import Group, Membership, Post, Tag
from groups.search import topic_key
from knowledge import exporting, markdown_files
from knowledge.markdown_files import Doc, FileProblem
from knowledge.models import (
    ArticlePage,
    BroadcastPage,
    ImportedTopic,
    KnowledgePage,
    PageGroupRestriction,
    SectionPage,
    SessionNotesPage,
)
from knowledge.services import ensure_home, free_slug, section_for_group
from members.models import User
from search import outbox

CREATED, UPDATED, UNCHANGED, FAILED = "created", "updated", "unchanged", "failed"
PAGE_CLASSES = {"article": ArticlePage, "notes": SessionNotesPage, "broadcast": BroadcastPage}
GROUP_NAMES = {
    "finance": "財政", "debt-collection": "債権回収", "vaccination": "ワクチン接種体制",
    "sdgs": "SDGs", "dx": "自治体DX", "transfer": "異動・引継ぎ",
    "parenting-salon": "子育てサロン", "music-circle": "音楽サークル",
    # the demo groups' slugs (groups/demo.py), which knowledge/demo/docs use
    "zaisei": "財政", "saiken": "債権回収", "vaccine": "ワクチン接種体制",
    "kosodate": "子育てサロン", "music": "音楽サークル",
}  # fmt: skip
NEW_GROUP_KIND = Group.Kind.CLOSED
SYSTEM_EMAIL = "knowledge-import@system.invalid"


@dataclass
class Outcome:
    name: str
    status: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    @property
    def summary(self) -> str:
        return _("作成 %(c)d件 / 更新 %(u)d件 / 変更なし %(n)d件 / 失敗 %(f)d件") % {
            "c": self.count(CREATED), "u": self.count(UPDATED),
            "n": self.count(UNCHANGED), "f": self.count(FAILED),
        }  # fmt: skip


def files_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.md") if p.name.lower() != "readme.md")


def import_folder(folder: Path, progress=iter) -> Report:
    """Imports every ``*.md`` in ``folder`` (README.md aside); ``progress`` wraps the file list
    (the command's progress bar)."""
    ensure_home()
    report = Report()
    with _as_a_batch():
        for path in progress(files_in(folder)):
            report.outcomes.append(import_file(path))
    return report


def _as_a_batch():
    """The per-member write limits are for people typing; an import posts many topics at once
    as the system member, so they are off while it runs (this process only)."""
    return override_settings(RATE_LIMITS_ENABLED=False)


def import_file(path: Path) -> Outcome:
    notes: list[str] = []
    try:
        doc = markdown_files.read(path)
        with transaction.atomic():
            status = store(doc, notes)
    except FileProblem as problem:
        return Outcome(path.name, FAILED, [str(problem)])
    except (ValidationError, PermissionDenied) as error:
        messages = getattr(error, "messages", None) or [_("権限がありません。")]
        return Outcome(path.name, FAILED, list(messages))
    except DatabaseError as error:
        return Outcome(path.name, FAILED, [_("保存できませんでした: %(e)s") % {"e": error}])
    return Outcome(path.name, status, notes if status != UNCHANGED else [])


def store(doc: Doc, notes: list[str]) -> str:
    group = _group(doc.group, notes)
    _refuse_kind_change(doc)
    if doc.kind == "topic":
        return _store_topic(doc, group, notes)
    return _store_page(doc, group)


def _refuse_kind_change(doc: Doc) -> None:
    page = KnowledgePage.objects.filter(import_key=doc.key).first()
    was = page.kind if page else ("topic" if ImportedTopic.objects.filter(key=doc.key).exists()
                                  else doc.kind)  # fmt: skip
    if was != doc.kind:
        raise ValidationError(
            _("kind は変えられません(取り込み済みのものは %(was)s です)。") % {"was": was}
        )


# --- the system member and groups ----------------------------------------------------------


def system_member() -> User:
    """The member imported topics are posted by and imported groups are proposed by. Its
    address is on a domain that cannot exist (.invalid) and it has no password: nobody can
    log in as it, nor have a code or a reset link mailed to it."""
    member = User.objects.filter(email=SYSTEM_EMAIL).first()
    if member is not None:
        return member
    member = User.objects.create_user(SYSTEM_EMAIL, display_name=_("ナレッジ取り込み"))
    member.set_unusable_password()
    member.save()
    EmailAddress.objects.create(user=member, email=SYSTEM_EMAIL, verified=True, primary=True)
    return member


def _group(slug: str, notes: list[str]) -> Group:
    group = Group.objects.filter(slug=slug).first()
    if group is not None:
        return group
    name = GROUP_NAMES.get(slug)
    group = Group(
        slug=slug, name=name or slug, kind=NEW_GROUP_KIND, status=Group.Status.ACTIVE,
        description=_("ナレッジの取り込みで作られたグループです。"), proposed_by=system_member(),
    )  # fmt: skip
    group.full_clean()
    group.save()
    Membership.objects.create(group=group, member=group.proposed_by, role=Membership.Role.OWNER)
    notes.append(
        _("グループ「%(name)s」(%(slug)s)を作りました。") % {"name": group.name, "slug": slug}
    )
    if name is None:
        notes.append(_("グループ名が分からないため、URL名をそのまま名前にしました。"))
    return group


# --- pages -----------------------------------------------------------------------------------


def _store_page(doc: Doc, group: Group) -> str:
    section = section_for_group(group)
    page = KnowledgePage.objects.filter(import_key=doc.key).first()
    if page is None:
        _create_page(section, doc, group)
        return CREATED
    page = page.specific
    if not page.path.startswith(section.path):
        raise ValidationError(_("group は変えられません(ページは別のセクションにあります)。"))
    if exporting.page_doc(page).comparable() == doc.comparable():
        return UNCHANGED
    _fill(page, doc)
    _restrict(page, group, doc.visibility)
    page.save_revision().publish()
    return UPDATED


def _create_page(section: SectionPage, doc: Doc, group: Group) -> KnowledgePage:
    page = PAGE_CLASSES[doc.kind](slug=free_slug(section, doc.title, doc.key), import_key=doc.key)
    _fill(page, doc)
    section.add_child(instance=page)
    _restrict(page, group, doc.visibility)
    page.save_revision().publish()
    return page


def _fill(page: KnowledgePage, doc: Doc) -> None:
    page.title = page.draft_title = doc.title
    page.date = doc.date
    page.first_published_at = _moment(doc.date)
    page.body = markdown_files.body_to_blocks(doc.body)
    page.tags.set(list(doc.tags))


def _moment(day) -> datetime:
    """A file's date as a moment: 9 o'clock that morning, local time."""
    return timezone.make_aware(datetime.combine(day, time(9)))


def _restrict(page: KnowledgePage, group: Group, visibility: str) -> None:
    """``group``: for the group's members alone; ``members``: for every member."""
    restrictions = PageGroupRestriction.objects.filter(page=page)
    if visibility == "group":
        restrictions.exclude(group=group).delete()
        PageGroupRestriction.objects.get_or_create(page=page, group=group)
    else:
        restrictions.delete()


# --- topics ----------------------------------------------------------------------------------


def _store_topic(doc: Doc, group: Group, notes: list[str]) -> str:
    _check_topic(doc, group, notes)
    member = system_member()
    Membership.objects.get_or_create(group=group, member=member)
    record = ImportedTopic.objects.select_related("topic__group").filter(key=doc.key).first()
    if record is None:
        _create_topic(doc, group, member)
        return CREATED
    topic = record.topic
    if topic.group_id != group.pk:
        raise ValidationError(_("group は変えられません(トピックは別のグループにあります)。"))
    first = Post.objects.get(topic=topic, number=1)
    current = exporting.topic_doc(topic, first.body)
    if current.comparable() == replace(doc, visibility=current.visibility).comparable():
        return UNCHANGED
    group_services.post_edit(editor=member, post=first, body=doc.body, title=doc.title)
    topic.tags.set(_topic_tags(doc.tags))
    type(topic).objects.filter(pk=topic.pk).update(created_at=_moment(doc.date))
    outbox.changed(topic_key(topic.pk))
    return UPDATED


def _check_topic(doc: Doc, group: Group, notes: list[str]) -> None:
    """A topic's readers are its group's: an open group's topic cannot be for members only."""
    if len(doc.body) > Post._meta.get_field("body").max_length:
        raise ValidationError(_("トピックの本文が長すぎます(20000文字まで)。"))
    if not doc.body.strip():
        raise ValidationError(_("トピックの本文がありません。"))
    if group.status != Group.Status.ACTIVE:
        raise ValidationError(
            _("グループ「%(name)s」は活動中ではないため、トピックを置けません。")
            % {"name": group.name}
        )
    is_open = group.kind == Group.Kind.OPEN
    if doc.visibility == "group" and is_open:
        raise ValidationError(
            _("グループ「%(name)s」は公開グループなので、メンバー限定のトピックは置けません。")
            % {"name": group.name}
        )
    if doc.visibility == "members" and not is_open:
        notes.append(_("グループ「%(name)s」は公開グループではないため、このトピックを読めるのは"
                       "メンバーだけです。") % {"name": group.name})  # fmt: skip


def _create_topic(doc: Doc, group: Group, member: User) -> None:
    topic = group_services.topic_create(
        author=member, group=group, title=doc.title, body=doc.body, tags=doc.tags
    )
    ImportedTopic.objects.create(key=doc.key, topic=topic)
    _date_topic(topic, doc.date)


def _topic_tags(names) -> list[Tag]:
    return [Tag.objects.get_or_create(name=name)[0] for name in names]


def _date_topic(topic, day) -> None:
    """A new topic and its first post are dated as the file says (an old thread stays old)."""
    moment = _moment(day)
    type(topic).objects.filter(pk=topic.pk).update(created_at=moment, last_posted_at=moment)
    Post.objects.filter(topic=topic, number=1).update(created_at=moment)
    outbox.changed(topic_key(topic.pk))
