"""The admin site for groups: groups, topics, posts, flags, bans and the moderation record.
Actions go through the same services as the site, so they are checked by the same policies
(the acting account must be a site moderator: a verified superuser counts), logged and told to
the people concerned."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from groups import services
from groups.models import Flag, Group, GroupBan, Membership, ModerationLog, Post, Topic
from groups.search import OutboxAdmin, group_keys, post_key, topic_keys


def _run(modeladmin, request, queryset, action, done) -> None:
    """Apply ``action(item)`` to each selected item; refusals are reported, not raised."""
    count, refused = 0, []
    for item in queryset:
        try:
            action(item)
        except (PermissionDenied, ValidationError) as error:
            refused.append(" ".join(getattr(error, "messages", [])) or str(item))
        else:
            count += 1
    if count:
        modeladmin.message_user(request, done % {"count": count}, messages.SUCCESS)
    if refused:
        modeladmin.message_user(
            request,
            _("次の項目は操作できませんでした(サイトのモデレーターとして確認済みのアカウントで操作してください): %(items)s")
            % {"items": "、".join(refused[:10])},
            messages.ERROR,
        )  # fmt: skip


REASON = _("管理画面から")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["member", "role", "joined_at", "suspended_until"]
    raw_id_fields = ["member"]


@admin.register(Group)
class GroupAdmin(OutboxAdmin, admin.ModelAdmin):
    list_display = ["name", "slug", "kind", "status", "chat_enabled", "members", "last_activity_at"]
    list_filter = ["status", "kind", "chat_enabled"]
    search_fields = ["name", "slug", "description"]
    readonly_fields = ["created_at", "last_activity_at", "decided_by", "decided_at"]
    raw_id_fields = ["proposed_by"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    @admin.display(description=_("メンバー数"), ordering="member_count")
    def members(self, group):
        return group.member_count

    def search_keys(self, objects):
        return group_keys([group.pk for group in objects])

    def saved_keys(self, obj, form):
        """Who may read the group is asked at each search (its kind and status need nothing
        here); its documents show its name and link by its slug."""
        return self.search_keys([obj]) if {"name", "slug"} & set(form.changed_data) else []


@admin.register(Topic)
class TopicAdmin(OutboxAdmin, admin.ModelAdmin):
    list_display = ["title", "group", "author", "created_at", "reply_count", "is_hidden",
                    "is_locked", "is_pinned"]  # fmt: skip
    list_filter = ["is_hidden", "is_locked", "is_pinned", "is_question", "group"]
    search_fields = ["title", "author__display_name", "author__email", "group__name"]
    list_select_related = ["group", "author"]
    date_hierarchy = "created_at"
    raw_id_fields = ["author", "accepted_post", "group"]
    readonly_fields = ["highest_post_number", "reply_count", "created_at", "last_posted_at"]
    actions = ["hide", "restore", "lock", "unlock"]

    def search_keys(self, objects):
        return topic_keys([topic.pk for topic in objects])

    def _moderate(self, request, queryset, action, done):
        _run(self, request, queryset.select_related("group"),
             lambda topic: services.topic_moderate(actor=request.user, topic=topic, action=action,
                                                   reason=str(REASON)),
             done)  # fmt: skip

    @admin.action(description=_("非表示にする(作成者に通知)"))
    def hide(self, request, queryset):
        self._moderate(request, queryset, "hide", _("%(count)d件のトピックを非表示にしました。"))

    @admin.action(description=_("再表示する"))
    def restore(self, request, queryset):
        self._moderate(request, queryset, "restore", _("%(count)d件のトピックを再表示しました。"))

    @admin.action(description=_("返信を締め切る(ロック)"))
    def lock(self, request, queryset):
        self._moderate(request, queryset, "lock", _("%(count)d件のトピックをロックしました。"))

    @admin.action(description=_("ロックを解除する"))
    def unlock(self, request, queryset):
        self._moderate(request, queryset, "unlock",
                       _("%(count)d件のトピックのロックを解除しました。"))  # fmt: skip


class DeletedFilter(admin.SimpleListFilter):
    """Deleted or not, by ``deleted_at``; chat's message admin uses it with its own labels."""

    title = _("削除")
    parameter_name = "deleted"
    labels = (_("削除された投稿"), _("削除されていない投稿"))

    def lookups(self, request, model_admin):
        return [("yes", self.labels[0]), ("no", self.labels[1])]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(Post)
class PostAdmin(OutboxAdmin, admin.ModelAdmin):
    list_display = ["__str__", "author", "created_at", "is_hidden", "is_deleted"]
    list_filter = ["is_hidden", DeletedFilter, "topic__group"]
    search_fields = ["body", "author__display_name", "author__email", "topic__title"]
    list_select_related = ["topic", "author"]
    date_hierarchy = "created_at"
    raw_id_fields = ["topic", "author", "reply_to", "deleted_by"]
    readonly_fields = ["number", "created_at", "edited_at", "deleted_at", "deleted_by",
                       "delete_reason"]  # fmt: skip
    actions = ["hide", "restore"]

    def search_keys(self, objects):
        return [post_key(post) for post in objects]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # A deleted post's text is for nobody (groups.policies.can_see_post_text).
        return [f for f in fields if f != "body"] if obj is not None and obj.is_deleted else fields

    @admin.display(boolean=True, description=_("削除済み"))
    def is_deleted(self, post):
        return post.is_deleted

    def _set_hidden(self, request, queryset, hidden, done):
        _run(self, request, queryset.select_related("topic__group", "author"),
             lambda post: services.post_set_hidden(actor=request.user, post=post, hidden=hidden,
                                                   reason=str(REASON)),
             done)  # fmt: skip

    @admin.action(description=_("非表示にする(投稿者に通知。最初の投稿ならトピックごと)"))
    def hide(self, request, queryset):
        self._set_hidden(request, queryset, True, _("%(count)d件の投稿を非表示にしました。"))

    @admin.action(description=_("再表示する"))
    def restore(self, request, queryset):
        self._set_hidden(request, queryset, False, _("%(count)d件の投稿を再表示しました。"))


@admin.register(Flag)
class FlagAdmin(admin.ModelAdmin):
    list_display = ["post", "reason", "status", "flagger", "created_at", "resolved_by"]
    list_filter = ["status", "reason", "post__topic__group"]
    search_fields = ["note", "flagger__display_name", "post__topic__title"]
    list_select_related = ["post__topic", "flagger", "resolved_by"]
    date_hierarchy = "created_at"
    raw_id_fields = ["post", "flagger", "resolved_by"]
    readonly_fields = ["created_at", "resolved_at"]
    actions = ["hide_post", "dismiss"]

    def _resolve(self, request, queryset, hide, done):
        _run(self, request, queryset.filter(status=Flag.Status.OPEN),
             lambda flag: services.flag_resolve(moderator=request.user, flag=flag, hide_post=hide),
             done)  # fmt: skip

    @admin.action(description=_("投稿を非表示にして対応済みにする"))
    def hide_post(self, request, queryset):
        self._resolve(request, queryset, True, _("%(count)d件の通報に対応しました。"))

    @admin.action(description=_("問題なしとして閉じる"))
    def dismiss(self, request, queryset):
        self._resolve(request, queryset, False, _("%(count)d件の通報を閉じました。"))


class ActiveBanFilter(admin.SimpleListFilter):
    title = _("状態")
    parameter_name = "active"

    def lookups(self, request, model_admin):
        return [("yes", _("再参加できない")), ("no", _("再参加を許可済み"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(lifted_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(lifted_at__isnull=False)
        return queryset


@admin.register(GroupBan)
class GroupBanAdmin(admin.ModelAdmin):
    list_display = ["member", "group", "reason", "banned_by", "created_at", "lifted_at"]
    list_filter = [ActiveBanFilter, "group"]
    search_fields = ["member__display_name", "member__email", "group__name", "reason"]
    list_select_related = ["member", "group", "banned_by"]
    readonly_fields = ["group", "member", "reason", "banned_by", "created_at", "lifted_by",
                       "lifted_at"]  # fmt: skip
    actions = ["lift"]

    def has_add_permission(self, request):
        return False  # members are removed from their group's members page (it asks why)

    @admin.action(description=_("再参加を許可"))
    def lift(self, request, queryset):
        _run(self, request, queryset.filter(lifted_at__isnull=True),
             lambda ban: services.ban_lift(actor=request.user, ban=ban),
             _("%(count)d人の再参加を許可しました。"))  # fmt: skip


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    """The record of what moderators did: read only."""

    list_display = ["created_at", "group", "actor", "action_label", "target_member", "reason"]
    list_filter = ["group"]
    search_fields = ["reason", "actor__display_name", "target_member__display_name", "action"]
    list_select_related = ["group", "actor", "target_member"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, entry):
        return entry.label
