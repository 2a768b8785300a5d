"""An occurrence's chat: /events/<id>/chat/ with its history, transcript, mutes and flags. The
pages are the chat's own (groups.chat.views on a ChatPage); events says who may be there
(events.chat) and heads them with the occurrence."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from events import access, chat, policies, services
from groups.chat import views as chat_views
from groups.chat.views import ChatPage

PAGES = {
    "room": "events:chat", "messages": "events:chat_messages",
    "transcript": "events:chat_transcript", "mutes": "events:chat_mutes",
    "mute_lift": "events:chat_mute_lift", "flag": "events:chat_flag",
    "flag_resolve": "events:chat_flag_resolve",
}  # fmt: skip


def _page(request, found: access.OccurrenceAccess) -> ChatPage:
    grant = chat.grant_for(request.user, found)
    occurrence = found.occurrence
    return ChatPage(
        room=services.room_for_occurrence(occurrence), standing=grant, title=grant.title,
        header="events/_chat_header.html", names=PAGES, args=(occurrence.pk,),
        file_name=f"event-{occurrence.pk}",
        context={"occurrence": occurrence, "series": found.series,
                 "ended": occurrence.ends_at <= timezone.now(),
                 "group": found.series.group},  # whose members @mentions suggest first
    )  # fmt: skip


def _page_for(request, occurrence_id: int) -> ChatPage:
    return _page(request, access.occurrence_for(request.user, occurrence_id))


def room(request, occurrence_id: int):
    """The room, or, for a registrant before it opens (30 minutes before the start), when it
    opens. Everyone else gets the same 404 as for a missing occurrence."""
    found = access.occurrence_for(request.user, occurrence_id)
    if not found.may_enter_room(request.user):
        raise Http404
    if not found.room_open_to(request.user, timezone.now()):
        return render(request, "events/chat_waiting.html", {
            "occurrence": found.occurrence, "series": found.series,
            "opens_at": policies.room_opens_at(found.occurrence),
        })  # fmt: skip
    return chat_views.show_room(request, _page(request, found))


def messages_json(request, occurrence_id: int):
    return chat_views.room_messages(request, _page_for(request, occurrence_id))


def transcript(request, occurrence_id: int):
    return chat_views.room_transcript(request, _page_for(request, occurrence_id))


@require_http_methods(["GET", "POST"])
def mutes(request, occurrence_id: int):
    return chat_views.room_mutes(request, _page_for(request, occurrence_id))


@require_POST
def mute_lift(request, occurrence_id: int, mute_id: int):
    return chat_views.room_mute_lift(request, _page_for(request, occurrence_id), mute_id)


@require_http_methods(["GET", "POST"])
def flag(request, occurrence_id: int):
    return chat_views.room_flag(request, _page_for(request, occurrence_id))


@require_POST
def flag_resolve(request, occurrence_id: int, flag_id: int):
    return chat_views.room_flag_resolve(request, _page_for(request, occurrence_id), flag_id)
