from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from groups.chat import policies, selectors, services


def _room(request, slug: str):
    found = selectors.room_for_viewer(request.user, slug)
    if found is None:
        raise Http404
    room, membership = found
    if room.pk is None:
        room = services.room_for_group(room.group)
    return room, membership


def _number(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() else None


def room(request, slug: str):
    room, membership = _room(request, slug)
    around = _number(request, "seq")
    messages = selectors.history(room.pk, around=around)
    last_seq, last_change = selectors.head(room.pk)
    if messages:
        services.room_mark_read(member=request.user, room=room, seq=messages[-1].seq)
    return render(request, "chat/room.html", {
        "room": room, "group": room.group, "membership": membership,
        "messages": [selectors.payload(message) for message in messages],
        "last_seq": last_seq, "last_change": last_change,
        "can_moderate": policies.can_moderate(request.user, room, membership),
    })  # fmt: skip


def messages_json(request, slug: str):
    """Messages before ``before`` (history), or from ``after`` up to ``before`` (a gap)."""
    room, _membership = _room(request, slug)
    before, after = _number(request, "before"), _number(request, "after")
    if after is not None:
        found = selectors.between(room.pk, after=after, before=before)
    else:
        found = selectors.history(room.pk, before=before)
    return JsonResponse({"messages": [selectors.payload(message) for message in found]})


def transcript(request, slug: str):
    room, membership = _room(request, slug)
    if not policies.can_moderate(request.user, room, membership):
        raise Http404
    text = selectors.transcript_markdown(room)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="chat-{room.group.slug}-{stamp}.md"'
    return response
