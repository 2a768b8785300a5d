"""The admin site for chat: rooms, messages, flags on messages and mutes. Deleting a message
and closing flags go through the chat services (the same checks, record and live update as in
the room)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from groups.admin import DeletedFilter, _run
from groups.chat import services
from groups.chat.models import Message, MessageFlag, Mute, Room
from groups.chat.search import room_keys
from groups.models import Flag
from groups.search import OutboxAdmin


@admin.register(Room)
class RoomAdmin(OutboxAdmin, admin.ModelAdmin):
    list_display = ["__str__", "last_seq", "created_at", "chat_enabled"]
    list_filter = ["group__chat_enabled", "owner_key"]
    search_fields = ["group__name", "group__slug"]
    list_select_related = ["group"]
    readonly_fields = ["group", "owner_key", "last_seq", "last_change", "created_at"]

    def has_add_permission(self, request):
        return False  # a room is made when its group's chat (or its owner's page) first opens

    def search_keys(self, objects):
        return room_keys([room.pk for room in objects])

    def saved_keys(self, obj, form):
        return []  # nothing here changes what its messages show

    @admin.display(boolean=True, description=_("チャットを使う"))
    def chat_enabled(self, room):
        return room.group.chat_enabled if room.group_id else None


class DeletedMessageFilter(DeletedFilter):
    labels = (_("削除されたメッセージ"), _("削除されていないメッセージ"))


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """Messages are read here and deleted (a tombstone in the room); they are edited only by
    their authors, in the room."""

    list_display = ["__str__", "author", "excerpt", "created_at", "is_deleted"]
    list_filter = [DeletedMessageFilter, "room__group"]
    search_fields = ["body", "author__display_name", "author__email", "room__group__name"]
    list_select_related = ["room__group", "author"]
    date_hierarchy = "created_at"
    fields = readonly_fields = ["room", "seq", "author", "body", "reply_to", "created_at",
                                "edited_at", "deleted_at", "deleted_by"]  # fmt: skip
    actions = ["delete_messages"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # removing a row would leave a gap in the room's numbering

    @admin.display(description=_("本文"))
    def excerpt(self, message):
        return message.body[:60]

    @admin.display(boolean=True, description=_("削除済み"))
    def is_deleted(self, message):
        return message.is_deleted

    @admin.action(description=_("メッセージを削除する(ルームでは「削除されました」と表示)"))
    def delete_messages(self, request, queryset):
        _run(self, request, queryset.filter(deleted_at__isnull=True).select_related("room__group"),
             lambda message: services.message_delete(actor=request.user, message=message),
             _("%(count)d件のメッセージを削除しました。"))  # fmt: skip


@admin.register(MessageFlag)
class MessageFlagAdmin(admin.ModelAdmin):
    list_display = ["message", "reason", "status", "flagger", "created_at", "resolved_by"]
    list_filter = ["status", "reason", "message__room__group"]
    search_fields = ["note", "flagger__display_name", "message__body"]
    list_select_related = ["message__room__group", "flagger", "resolved_by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["message", "flagger", "resolved_by"]
    readonly_fields = ["created_at", "resolved_at"]
    actions = ["delete_message", "dismiss"]

    def _resolve(self, request, queryset, delete, done):
        _run(self, request, queryset.filter(status=Flag.Status.OPEN),
             lambda flag: services.message_flag_resolve(moderator=request.user, flag=flag,
                                                        delete_message=delete),
             done)  # fmt: skip

    @admin.action(description=_("メッセージを削除して対応済みにする"))
    def delete_message(self, request, queryset):
        self._resolve(request, queryset, True, _("%(count)d件の通報に対応しました。"))

    @admin.action(description=_("問題なしとして閉じる"))
    def dismiss(self, request, queryset):
        self._resolve(request, queryset, False, _("%(count)d件の通報を閉じました。"))


@admin.register(Mute)
class MuteAdmin(admin.ModelAdmin):
    list_display = ["member", "room", "until", "reason", "muted_by", "created_at"]
    list_filter = ["room__group"]
    search_fields = ["member__display_name", "member__email", "reason"]
    list_select_related = ["member", "room__group", "muted_by"]
    raw_id_fields = ["member", "room", "muted_by"]
