"""The chat pages. Each page works on a ``ChatPage``: a group's room here (/groups/<slug>/chat/),
or a room without a group from the app that owns it (events/chat_views.py: an occurrence's
room), so both kinds of room share one set of pages and templates."""

from dataclasses import dataclass, field

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cityhall import ratelimits
from cityhall.params import BadNumber, int_param, strict_int_param
from groups import policies as group_policies
from groups.access import group_for
from groups.chat import policies, selectors, services
from groups.chat.access import message_in, moderated_room_for, mute_in, room_for
from groups.chat.forms import MuteForm
from groups.chat.models import Room
from groups.forms import FlagForm

GROUP_PAGES = {
    "room": "chat:room", "messages": "chat:messages", "transcript": "chat:transcript",
    "mutes": "chat:mutes", "mute_lift": "chat:mute_lift", "flag": "chat:flag",
}  # fmt: skip
ROOM_URLS = ("room", "messages", "transcript", "mutes", "flag")  # for the templates: urls.<name>


@dataclass(frozen=True)
class ChatPage:
    """A room as its pages show it: the room and the viewer's standing in it
    (access.standing_of), its title, the template heading its pages with what that template
    needs, and the URL names of its pages (GROUP_PAGES) with the arguments that reach it."""

    room: Room
    standing: object
    title: str
    header: str
    names: dict[str, str]
    args: tuple
    file_name: str  # names the transcript file: chat-<file_name>-<date>.md
    context: dict = field(default_factory=dict)

    def url(self, name: str, *more) -> str:
        return reverse(self.names[name], args=[*self.args, *more])

    def render(self, request, template: str, context: dict, status: int = 200):
        urls = {name: self.url(name) for name in ROOM_URLS}
        return render(request, template, {**self.context, **context, "chat_page": self,
                                          "room": self.room, "urls": urls}, status=status)  # fmt: skip


def _group_page(request, slug: str, *, moderated: bool = False) -> ChatPage:
    """The page of group ``slug``'s room (opened on the first visit; for ``moderated`` pages
    only by its moderators)."""
    room, membership = (moderated_room_for if moderated else room_for)(request.user, slug)
    if room.pk is None:
        room = services.room_for_group(room.group)
    group = room.group
    return ChatPage(room=room, standing=membership, title=group.name, names=GROUP_PAGES,
                    header="groups/_group_header.html", args=(slug,), file_name=slug,
                    context={"group": group, "membership": membership})  # fmt: skip


def _moderated(request, page: ChatPage) -> ChatPage:
    """``page`` if the viewer moderates its room: its transcript and mutes are not even said
    to exist to others."""
    if not policies.can_moderate(request.user, page.room, page.standing):
        raise Http404
    return page


# --- the pages of every room ---------------------------------------------------------------


def show_room(request, page: ChatPage):
    room, standing = page.room, page.standing
    around = int_param(request.GET.get("seq"))
    messages = selectors.history(room.pk, around=around)
    last_read = selectors.last_read_seq(request.user, room.pk)
    if messages and messages[-1].seq > last_read:
        services.room_mark_read(member=request.user, room=room, seq=messages[-1].seq)
    mute = selectors.active_mute(request.user, room.pk)
    muted = mute is not None
    can_moderate = policies.can_moderate(request.user, room, standing)
    return page.render(request, "chat/room.html", {
        "chat_messages": [selectors.payload(message) for message in messages],
        "last_read_seq": last_read,
        "can_moderate": can_moderate,
        "can_send": policies.can_send(request.user, room, standing, muted=muted),
        "muted": muted, "mute": mute,
        "flags": _room_flags(page) if can_moderate and room.group_id is None else None,
    })  # fmt: skip


def _room_flags(page: ChatPage) -> list:
    """The open flags of a room without a group, each with its address to close it: its
    moderators handle them on the room's page (a group's are on the group's moderation page)."""
    flags = list(selectors.room_flags(page.room.pk))
    for flag_item in flags:
        flag_item.resolve_url = page.url("flag_resolve", flag_item.pk)
    return flags


def room_messages(request, page: ChatPage):
    """Messages before ``before`` (history), or from ``after`` up to ``before`` (a gap)."""
    try:
        before = strict_int_param(request.GET, "before")
        after = strict_int_param(request.GET, "after")
    except BadNumber as bad:
        return JsonResponse({"error": "bad_parameter", "message": bad.message}, status=400)
    if after is not None:
        found = selectors.between(page.room.pk, after=after, before=before)
    else:
        found = selectors.history(page.room.pk, before=before)
    return JsonResponse({"messages": [selectors.payload(message) for message in found]})


def room_transcript(request, page: ChatPage):
    page = _moderated(request, page)
    text = selectors.transcript_markdown(page.room, page.title)
    response = HttpResponse(text, content_type="text/markdown; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="chat-{page.file_name}-{stamp}.md"'
    return response


def room_mutes(request, page: ChatPage):
    """Moderators stop a member from posting in the room for a while, and lift it early."""
    page = _moderated(request, page)
    room = page.room
    form = MuteForm(request.POST or None, room=room, moderator=request.user,
                    moderator_standing=page.standing,
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
            return redirect(page.url("mutes"))
    mutes = list(selectors.active_mutes(room.pk))
    for mute in mutes:
        mute.lift_url = page.url("mute_lift", mute.pk)
    return page.render(request, "chat/mutes.html", {"can_moderate": True, "form": form,
                                                    "mutes": mutes})  # fmt: skip


def room_mute_lift(request, page: ChatPage, mute_id: int):
    page = _moderated(request, page)
    mute = mute_in(page.room, mute_id)
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
    return redirect(page.url("mutes"))


def room_flag(request, page: ChatPage):
    """Report message ``seq`` of the room to its moderators, with a chosen reason."""
    room = page.room
    params = request.POST if request.method == "POST" else request.GET
    seq = int_param(params.get("seq"), minimum=1)
    if seq is None:
        raise Http404
    message = message_in(room, seq)
    message.room = room
    if not policies.can_flag(request.user, message, page.standing):
        raise PermissionDenied(_("自分のメッセージや削除されたメッセージは通報できません。"))
    form = FlagForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.message_flag_create(flagger=request.user, message=message,
                                         **form.cleaned_data)  # fmt: skip
        except ValidationError as error:
            if isinstance(error, ratelimits.RateLimited):
                raise
            for text in error.messages:
                flash.error(request, text)
        else:
            flash.success(request, _("通報しました。モデレーターが確認します。"))
        return redirect(f"{page.url('room')}?seq={seq}#m{seq}")
    return page.render(request, "chat/flag.html", {"message": message, "form": form},
                       status=400 if form.errors else 200)  # fmt: skip


def room_flag_resolve(request, page: ChatPage, flag_id: int):
    """A moderator of a room without a group deletes a flagged message or finds nothing wrong,
    from the room's page."""
    page = _moderated(request, page)
    flag_item = selectors.room_flags(page.room.pk).filter(pk=flag_id).first()
    if flag_item is not None:
        services.message_flag_resolve(moderator=request.user, flag=flag_item,
                                      delete_message=request.POST.get("action") == "delete")  # fmt: skip
    return redirect(page.url("room"))


# --- a group's room ------------------------------------------------------------------------


def room(request, slug: str):
    return show_room(request, _group_page(request, slug))


def messages_json(request, slug: str):
    return room_messages(request, _group_page(request, slug))


def transcript(request, slug: str):
    return room_transcript(request, _group_page(request, slug, moderated=True))


def mutes(request, slug: str):
    return room_mutes(request, _group_page(request, slug, moderated=True))


@require_POST
def mute_lift(request, slug: str, mute_id: int):
    return room_mute_lift(request, _group_page(request, slug, moderated=True), mute_id)


@require_http_methods(["GET", "POST"])
def flag(request, slug: str):
    return room_flag(request, _group_page(request, slug))


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


@require_POST
def flag_resolve(request, slug: str, flag_id: int):
    """From the group's moderation page: delete the flagged message, or find nothing wrong."""
    access = group_for(request.user, slug)
    if not access.can(group_policies.can_moderate, request.user):
        raise PermissionDenied
    flag_item = selectors.open_flags(request.user, access.group).filter(pk=flag_id).first()
    if flag_item is not None:
        services.message_flag_resolve(moderator=request.user, flag=flag_item,
                                      delete_message=request.POST.get("action") == "delete")  # fmt: skip
    return redirect("groups:moderation", slug)
