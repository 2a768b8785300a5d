from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityhall.params import BadNumber, int_param, strict_int_param
from groups import policies as group_policies
from groups.access import group_for
from groups.chat import policies, selectors, services
from groups.chat.access import moderated_room_for, mute_in, room_for
from groups.chat.forms import MuteForm


def _room(request, slug: str):
    room, membership = room_for(request.user, slug)
    if room.pk is None:
        room = services.room_for_group(room.group)
    return room, membership


def room(request, slug: str):
    room, membership = _room(request, slug)
    around = int_param(request.GET.get("seq"))
    messages = selectors.history(room.pk, around=around)
    last_read = selectors.last_read_seq(request.user, room.pk)
    if messages and messages[-1].seq > last_read:
        services.room_mark_read(member=request.user, room=room, seq=messages[-1].seq)
    mute = selectors.active_mute(request.user, room.pk)
    muted = mute is not None
    return render(request, "chat/room.html", {
        "room": room, "group": room.group, "membership": membership,
        "chat_messages": [selectors.payload(message) for message in messages],
        "last_read_seq": last_read,
        "can_moderate": policies.can_moderate(request.user, room, membership),
        "can_send": policies.can_send(request.user, room, membership, muted=muted),
        "muted": muted, "mute": mute,
    })  # fmt: skip


def messages_json(request, slug: str):
    """Messages before ``before`` (history), or from ``after`` up to ``before`` (a gap)."""
    room, _membership = _room(request, slug)
    try:
        before = strict_int_param(request.GET, "before")
        after = strict_int_param(request.GET, "after")
    except BadNumber as bad:
        return JsonResponse({"error": "bad_parameter", "message": bad.message}, status=400)
    if after is not None:
        found = selectors.between(room.pk, after=after, before=before)
    else:
        found = selectors.history(room.pk, before=before)
    return JsonResponse({"messages": [selectors.payload(message) for message in found]})


def transcript(request, slug: str):
    room, _membership = _moderated_room(request, slug)
    text = selectors.transcript_markdown(room)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="chat-{room.group.slug}-{stamp}.md"'
    return response


def _moderated_room(request, slug: str):
    room, membership = moderated_room_for(request.user, slug)
    if room.pk is None:
        room = services.room_for_group(room.group)
    return room, membership


def mutes(request, slug: str):
    """Moderators stop a member from posting in the room for a while, and lift it early."""
    room, membership = _moderated_room(request, slug)
    form = MuteForm(request.POST or None, room=room, moderator=request.user,
                    moderator_membership=membership,
                    initial={"member": request.GET.get("member", "")})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.member_mute(moderator=request.user, room=room, member=data["member"],
                                 minutes=data["minutes"], reason=data["reason"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            flash.success(
                request,
                _("%(name)sさんの発言を停止しました。") % {"name": data["member"].display_name},
            )
            return redirect("chat:mutes", slug)
    return render(request, "chat/mutes.html", {
        "room": room, "group": room.group, "membership": membership, "can_moderate": True,
        "form": form, "mutes": selectors.active_mutes(room.pk),
    })  # fmt: skip


@require_POST
def mute_lift(request, slug: str, mute_id: int):
    room, _membership = _moderated_room(request, slug)
    mute = mute_in(room, mute_id)
    try:
        services.mute_lift(moderator=request.user, mute=mute)
    except ValidationError as error:
        for message in error.messages:
            flash.error(request, message)
    else:
        flash.success(
            request,
            _("%(name)sさんの発言停止を解除しました。") % {"name": mute.member.display_name},
        )
    return redirect("chat:mutes", slug)


@require_POST
def switch(request, slug: str):
    """The group's owners switch its chat on or off (from the group's moderation page)."""
    access = group_for(request.user, slug)
    if not access.can(group_policies.can_manage, request.user):
        raise PermissionDenied
    enabled = request.POST.get("enabled") == "on"
    services.room_switch(owner=request.user, group=access.group, enabled=enabled)
    flash.success(
        request, _("チャットを使うようにしました。") if enabled else _("チャットを止めました。")
    )
    return redirect("groups:moderation", slug)
