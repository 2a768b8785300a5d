"""Notes from an event. An organizer's 「ナレッジに記録を残す」 on a past occurrence (declared for
events in knowledge/event_extensions.py) starts a draft in the section of the series' group: a
session's notes (SessionNotesPage) or a broadcast's episode (BroadcastPage), filled from the
series and the occurrence's chat, owned by the organizer, who edits it in /cms/ and sends it to
the section's review as any draft. The same occurrence opens the same page again
(OccurrenceNotes), published or not."""

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import Page

from events import policies as event_policies
from events import selectors as event_selectors
from events.models import Occurrence, Series
from groups.models import Group, Membership
from knowledge import policies, selectors
from knowledge.models import (
    BroadcastPage,
    KnowledgePage,
    OccurrenceNotes,
    PageGroupRestriction,
    PagePerson,
    SectionPage,
    SessionNotesPage,
)
from knowledge.services import free_slug, section_for_group

ASKING_WORDS = ("質問", "教えて")
ASKED_BY_MAX = 100  # QuestionAnswerBlock.asked_by


def notes_due(occurrence: Occurrence) -> bool:
    """Notes are written once the occurrence has ended (not for a cancelled one)."""
    return not occurrence.is_cancelled and occurrence.ends_at <= timezone.now()


@transaction.atomic
def session_notes_draft(*, actor, occurrence: Occurrence) -> KnowledgePage:
    """The occurrence's page, a draft made the first time: in the section of the series' group
    (made as the importer makes it), owned by ``actor`` (an organizer of the series, who must be
    able to write in that section), restricted to the group unless the group is open (its
    events, and their chat, are for its members alone)."""
    locked = Occurrence.objects.select_for_update().get(pk=occurrence.pk)  # one draft at a time
    series = Series.objects.select_related("group").get(pk=locked.series_id)
    locked.series = series
    organizers = list(series.organizers.order_by("display_name_kana", "pk"))
    _require_organizer(actor, series, organizers)
    known = OccurrenceNotes.objects.filter(occurrence=locked).select_related("page").first()
    if known is not None:
        return known.page.specific
    if locked.is_cancelled:
        raise ValidationError(_("中止になった回の記録は作れません。"))
    if not notes_due(locked):
        raise ValidationError(_("記録は終了後に作れます。"))
    section = _locked(section_for_group(series.group))
    if not policies.can_write_in_section(selectors.viewer(actor), section):
        raise PermissionDenied(_("このグループのメンバーだけが記録を書けます。"))
    page = _draft(locked, series, organizers, actor)
    page.slug = free_slug(section, page.title, f"event-{locked.pk}")
    section.add_child(instance=page)
    if series.group.kind != Group.Kind.OPEN:
        PageGroupRestriction.objects.create(page=page, group=series.group)
    page.save_revision(user=actor)
    log(instance=page, action="wagtail.create", user=actor)
    OccurrenceNotes.objects.create(occurrence=locked, page=page, created_by=actor)
    return page


def _locked(section: SectionPage) -> SectionPage:
    """The section, read again under its row's lock: pages added under it at once would be
    given the same place in the tree (treebeard numbers a new child from the last one)."""
    list(Page.objects.select_for_update().filter(pk=section.pk).values_list("pk"))
    return SectionPage.objects.get(pk=section.pk)


def _require_organizer(actor, series: Series, organizers: list) -> None:
    membership = Membership.objects.filter(group=series.group_id, member=actor).first()
    organizer_ids = frozenset(member.pk for member in organizers)
    if not event_policies.can_manage(actor, series, membership, organizer_ids):
        raise PermissionDenied(_("このイベントの運営者だけができる操作です。"))


def _draft(occurrence: Occurrence, series: Series, organizers: list, actor) -> KnowledgePage:
    day = timezone.localdate(occurrence.starts_at)
    title = f"{series.title} {formats.date_format(day, 'DATE_FORMAT')}"
    messages = list(event_selectors.chat_messages(occurrence))
    asked = questions(messages)
    fields = {
        "title": title, "draft_title": title, "date": day, "live": False, "owner": actor,
        "summary": first_paragraph(series.description),
    }  # fmt: skip
    if series.kind == Series.Kind.BROADCAST:
        return BroadcastPage(
            **fields,
            episode_number=episode_number(occurrence),
            transcript=transcript(messages, bold=False),
            body=[("qa", block) for block in qa_blocks(asked)],
            people=_people(organizers, PagePerson.Role.HOST),
        )
    body = []
    if messages:
        body = [("heading", {"text": _("チャットの記録"), "level": "h2"}),
                ("text", transcript(messages, bold=True))]  # fmt: skip
    return SessionNotesPage(
        **fields,
        series=series.title[: SessionNotesPage._meta.get_field("series").max_length],
        questions=[("qa", block) for block in qa_blocks(asked)],
        body=body,
        people=_people(organizers, PagePerson.Role.SPEAKER),
    )


def _people(organizers: list, role: str) -> list[PagePerson]:
    return [PagePerson(role=role, member=member, sort_order=number)
            for number, member in enumerate(organizers)]  # fmt: skip


def episode_number(occurrence: Occurrence) -> int:
    """The occurrence's place in its series: 1 + the occurrences held (not cancelled) before it."""
    earlier = Q(starts_at__lt=occurrence.starts_at) | Q(
        starts_at=occurrence.starts_at, pk__lt=occurrence.pk
    )
    held = Occurrence.objects.filter(series=occurrence.series_id).exclude(
        status=Occurrence.Status.CANCELLED
    )
    return held.filter(earlier).count() + 1


def first_paragraph(text: str) -> str:
    return re.split(r"\n\s*\n", (text or "").strip(), maxsplit=1)[0].strip()


# --- the chat: questions and the transcript --------------------------------------------------


def looks_like_question(text: str) -> bool:
    """A question mark (「？」 anywhere, 「?」 at the end of a line), 質問 or 教えて."""
    if "？" in text or any(word in text for word in ASKING_WORDS):
        return True
    return any(line.rstrip().endswith("?") for line in text.splitlines())


@dataclass
class Asked:
    question: object  # a chat Message
    answers: list = field(default_factory=list)


def questions(messages: list) -> list[Asked]:
    """The questions asked in the chat, oldest first, each with the messages that reply to it
    (and the replies to those, however deep). A question that answers another question is part
    of that one's thread; deleted messages are left out."""
    threads: dict[int, Asked] = {}  # message id → the thread it belongs to
    found: list[Asked] = []
    for message in messages:
        if message.is_deleted:
            continue
        thread = threads.get(message.reply_to_id) if message.reply_to_id else None
        if thread is not None:
            thread.answers.append(message)
        elif looks_like_question(message.body):
            thread = Asked(message)
            found.append(thread)
        if thread is not None:
            threads[message.pk] = thread
    return found


def _name(member) -> str:
    organization = member.organization
    if organization is None:
        return member.display_name
    return _("%(name)s(%(organization)s)") % {
        "name": member.display_name, "organization": organization.name,
    }  # fmt: skip


def qa_blocks(asked: list[Asked]) -> list[dict]:
    """QuestionAnswerBlock values: the question as asked, who asked it, the replies as the
    answer (an unanswered question's answer is left for the organizer to write)."""
    return [
        {
            "question": thread.question.body,
            "asked_by": _name(thread.question.author)[:ASKED_BY_MAX],
            "answer": "\n\n".join(
                f"**{answer.author.display_name}**: {answer.body}" for answer in thread.answers
            ),
        }
        for thread in asked
    ]


def transcript(messages: list, *, bold: bool) -> str:
    """The chat, oldest first: who, when, which number, what it answers; Markdown (``bold``
    names) for a page's body, plain text for a broadcast's transcript. A deleted message keeps
    its place as a note, so the numbers still follow on (as the group chat's transcript)."""
    by_id = {message.pk: message for message in messages}
    lines = []
    for message in messages:
        when = formats.date_format(timezone.localtime(message.created_at), "DATETIME_FORMAT")
        name = f"**{message.author.display_name}**" if bold else message.author.display_name
        lines.append(f"{name} ({when}) #{message.seq}")
        answered = by_id.get(message.reply_to_id)
        if answered is not None:
            lines.append(_("> %(name)sさんの #%(number)s への返信") % {
                "name": answered.author.display_name, "number": answered.seq,
            })  # fmt: skip
        lines += ["", _("(削除されたメッセージ)") if message.is_deleted else message.body, ""]
    return "\n".join(lines).strip()
