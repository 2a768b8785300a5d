"""What knowledge adds to events' occurrences (events.extensions, registered from
KnowledgeConfig.ready): 「ナレッジに記録を残す」 for the organizers of an occurrence that has
ended (knowledge.from_events), and 「記録(ナレッジ)」 on an occurrence whose page is published,
for every member who may see that page."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from events import extensions
from events.extensions import Link, OccurrenceLinks, OrganizerAction
from knowledge import from_events, selectors

KEY = "knowledge.notes"


def _notes_due(member, occurrence) -> bool:
    return from_events.notes_due(occurrence)


def notes_links(member, occurrences) -> dict[int, list[Link]]:
    """Notes are made once a session ended: upcoming ones cost no query."""
    now = timezone.now()
    ended = [occurrence.pk for occurrence in occurrences if occurrence.ends_at <= now]
    pages = selectors.occurrence_notes(member, ended)
    return {occurrence_id: [Link(_("記録(ナレッジ)"), page.get_url(), page.title)]
            for occurrence_id, page in pages.items()}  # fmt: skip


def register() -> None:
    extensions.register(OrganizerAction(
        key=KEY, label=gettext_lazy("ナレッジに記録を残す"), url_name="knowledge:from_event",
        shown=_notes_due, order=50,
    ))  # fmt: skip
    extensions.register(OccurrenceLinks(key=KEY, links=notes_links, order=50))
