from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MEMBER = settings.AUTH_USER_MODEL


class Group(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("公開(誰でも参加できる)")
        CLOSED = "closed", _("承認制(参加は承認が必要)")
        SECRET = "secret", _("非公開(招待された人だけ)")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("審査中")
        ACTIVE = "active", _("活動中")
        DECLINED = "declined", _("見送り")

    slug = models.SlugField(_("URL名"), max_length=60, unique=True)
    name = models.CharField(_("グループ名"), max_length=80)
    description = models.TextField(_("説明"), max_length=2000)
    kind = models.CharField(_("種類"), max_length=10, choices=Kind.choices, default=Kind.OPEN)
    status = models.CharField(
        _("状態"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        MEMBER, verbose_name=_("提案者"), on_delete=models.PROTECT, related_name="+"
    )
    proposal_reason = models.TextField(_("提案の理由"), max_length=2000, blank=True)
    decision_message = models.TextField(_("審査のメッセージ"), max_length=2000, blank=True)
    decided_by = models.ForeignKey(
        MEMBER, verbose_name=_("審査した人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("審査日時"), null=True, blank=True)
    chat_enabled = models.BooleanField(_("チャットを使う"), default=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    last_activity_at = models.DateTimeField(_("最終更新"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("グループ")
        verbose_name_plural = _("グループ")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def clean(self):
        from groups.slugs import reserved_slugs

        if self.slug in reserved_slugs():
            raise ValidationError(
                {"slug": _("このURL名はサイトのページと重なるため使えません。")}, code="reserved"
            )


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("オーナー")
        MODERATOR = "moderator", _("モデレーター")
        MEMBER = "member", _("メンバー")

    group = models.ForeignKey(
        Group, verbose_name=_("グループ"), on_delete=models.CASCADE, related_name="memberships"
    )
    member = models.ForeignKey(
        MEMBER, verbose_name=_("会員"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("役割"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("参加日時"), default=timezone.now)
    suspended_until = models.DateTimeField(_("投稿停止の期限"), null=True, blank=True)

    class Meta:
        verbose_name = _("グループのメンバー")
        verbose_name_plural = _("グループのメンバー")
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="one_membership_per_group")
        ]

    def __str__(self):
        return f"{self.member} @ {self.group}"

    @property
    def is_moderator(self) -> bool:
        return self.role in {self.Role.OWNER, self.Role.MODERATOR}

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > timezone.now()


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("承認待ち")
        APPROVED = "approved", _("承認")
        DECLINED = "declined", _("見送り")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    message = models.TextField(_("ひとこと"), max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("参加申請")
        verbose_name_plural = _("参加申請")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(status="pending"),
                name="one_pending_request",
            )
        ]


class GroupBan(models.Model):
    """A member removed from a group by its moderators: they may not join again (nor ask to,
    nor be invited) until a moderator lifts it. Lifted bans stay as the record."""

    group = models.ForeignKey(Group, verbose_name=_("グループ"), on_delete=models.CASCADE,
                              related_name="bans")  # fmt: skip
    member = models.ForeignKey(MEMBER, verbose_name=_("会員"), on_delete=models.CASCADE,
                               related_name="+")  # fmt: skip
    reason = models.CharField(_("理由"), max_length=500)
    banned_by = models.ForeignKey(MEMBER, verbose_name=_("外した人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("外した日時"), default=timezone.now)
    lifted_by = models.ForeignKey(MEMBER, verbose_name=_("再参加を許可した人"), null=True,
                                  blank=True, on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    lifted_at = models.DateTimeField(_("再参加を許可した日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("再参加の禁止")
        verbose_name_plural = _("再参加の禁止")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(lifted_at__isnull=True),
                name="one_active_ban",
            )  # fmt: skip
        ]

    def __str__(self):
        return f"{self.member} @ {self.group}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("返事待ち")
        ACCEPTED = "accepted", _("参加")
        DECLINED = "declined", _("辞退")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("招待")
        verbose_name_plural = _("招待")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(status="pending"),
                name="one_pending_invitation",
            )
        ]


class Tag(models.Model):
    name = models.CharField(_("タグ"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("タグ")
        verbose_name_plural = _("タグ")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Topic(models.Model):
    # Found by group through the two indexes below, which both begin with it.
    group = models.ForeignKey(
        Group, verbose_name=_("グループ"), on_delete=models.CASCADE, related_name="topics",
        db_index=False,
    )  # fmt: skip
    author = models.ForeignKey(
        MEMBER, verbose_name=_("作成者"), on_delete=models.PROTECT, related_name="topics"
    )
    title = models.CharField(_("タイトル"), max_length=120)
    tags = models.ManyToManyField(Tag, verbose_name=_("タグ"), blank=True, related_name="topics")
    is_question = models.BooleanField(_("質問"), default=False)
    accepted_post = models.ForeignKey(
        "Post", verbose_name=_("解決した回答"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )  # fmt: skip
    is_pinned = models.BooleanField(_("ピン留め"), default=False)
    is_locked = models.BooleanField(_("返信の受付終了"), default=False)
    is_hidden = models.BooleanField(_("非表示(モデレーター)"), default=False)
    # Why moderators hid it (shown to them and to its author); empty when visible.
    hidden_reason = models.CharField(_("非表示の理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)
    last_posted_at = models.DateTimeField(_("最終投稿"), default=timezone.now)
    highest_post_number = models.PositiveIntegerField(_("投稿数"), default=0)
    reply_count = models.PositiveIntegerField(_("返信数"), default=0)
    # The new-topic form's one-time token: the same form sent twice makes one topic.
    client_id = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("トピック")
        verbose_name_plural = _("トピック")
        indexes = [
            models.Index(fields=["group", "-is_pinned", "-last_posted_at"]),
            # a group's topic list counts its visible topics from this index alone, and a
            # member's new topics in a group are one range of it (selectors.unread_by_group)
            models.Index(fields=["group", "is_hidden", "created_at"], name="topic_group_started"),
            # a group's topics newest post first, read until enough are found (home_topics)
            models.Index(
                fields=["group", "is_hidden", "last_posted_at", "id"],
                name="topic_group_newest_post",
            ),
            # open questions newest first, read until enough are found (home_questions): a
            # partial index, as PostgreSQL reads no order off an index past an IS NULL column,
            # on a condition that holds no value a query binds as a parameter (is_question)
            models.Index(
                fields=["is_question", "created_at"],
                name="topic_open_questions",
                condition=models.Q(accepted_post__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_id"],
                condition=~Q(client_id=""),
                name="one_topic_per_client_id",
            )  # fmt: skip
        ]

    def __str__(self):
        return self.title

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None


class Post(models.Model):
    topic = models.ForeignKey(
        Topic, verbose_name=_("トピック"), on_delete=models.CASCADE, related_name="posts"
    )
    author = models.ForeignKey(
        MEMBER, verbose_name=_("投稿者"), on_delete=models.PROTECT, related_name="posts"
    )
    number = models.PositiveIntegerField(_("番号"))
    body = models.TextField(_("本文"), max_length=20000)
    body_html = models.TextField(editable=False)
    reply_to = models.ForeignKey(
        "self",
        verbose_name=_("返信先"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("投稿日時"), default=timezone.now)
    edited_at = models.DateTimeField(_("編集日時"), null=True, blank=True)
    is_hidden = models.BooleanField(_("非表示(モデレーター)"), default=False)
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        MEMBER,
        verbose_name=_("削除した人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    delete_reason = models.CharField(_("削除の理由"), max_length=300, blank=True)
    # The reply form's one-time token: the same form sent twice makes one post.
    client_id = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Goes up with every edit; an edit form sends the version it started from.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("投稿")
        verbose_name_plural = _("投稿")
        ordering = ["topic", "number"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="unique_post_number"),
            models.UniqueConstraint(
                fields=["topic", "author", "client_id"],
                condition=~Q(client_id=""),
                name="one_post_per_client_id",
            ),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.topic} #{self.number}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class PostRevision(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(MEMBER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    previous_body = models.TextField()
    previous_title = models.CharField(max_length=120, blank=True)

    class Meta:
        verbose_name = _("編集履歴")
        verbose_name_plural = _("編集履歴")
        ordering = ["-created_at", "-id"]


class Reaction(models.Model):
    class Kind(models.TextChoices):
        LIKE = "like", _("いいね")
        HELPFUL = "helpful", _("参考になった")
        THANKS = "thanks", _("ありがとう")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member", "kind"], name="one_reaction_each")
        ]


class Bookmark(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="bookmarks")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ブックマーク")
        verbose_name_plural = _("ブックマーク")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["post", "member"], name="one_bookmark")]


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    # A small WebP shown inline instead of an image itself; made by the worker after upload.
    preview = models.FileField(upload_to="attachments/previews/%Y/%m/", blank=True)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")


class TopicRead(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="reads")
    # Found by member through the index below, which begins with it.
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+", db_index=False)
    last_read_post_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["topic", "member"], name="one_read_state")]
        # A member's read states, each with how far they read, off the index alone: the
        # unread counts of every page's navigation and the home (groups.selectors).
        indexes = [
            models.Index(
                fields=["member", "topic", "last_read_post_number"],
                name="topicread_member_progress",
            )
        ]


class WatchLevel(models.TextChoices):
    WATCHING = "watching", _("ウォッチ(すべての投稿を通知)")
    TRACKING = "tracking", _("追跡(未読の数を表示)")
    NORMAL = "normal", _("通常")
    MUTED = "muted", _("ミュート")


class Watch(models.Model):
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE)
    level = models.CharField(max_length=10, choices=WatchLevel.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=True) ^ Q(topic__isnull=True), name="watch_one_target"
            ),
            models.UniqueConstraint(
                fields=["member", "group"], condition=Q(topic__isnull=True), name="one_group_watch"
            ),
            models.UniqueConstraint(
                fields=["member", "topic"], condition=Q(group__isnull=True), name="one_topic_watch"
            ),
        ]


class Flag(models.Model):
    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", _("話題と関係がない")
        INAPPROPRIATE = "inappropriate", _("不適切な内容")
        PERSONAL_INFO = "personal_info", _("個人情報・機密情報が含まれている")
        SPAM = "spam", _("宣伝・スパム")
        OTHER = "other", _("その他")

    class Status(models.TextChoices):
        OPEN = "open", _("未対応")
        ACTED = "acted", _("対応済み")
        DISMISSED = "dismissed", _("問題なし")

    post = models.ForeignKey(
        Post, verbose_name=_("投稿"), on_delete=models.CASCADE, related_name="flags"
    )
    flagger = models.ForeignKey(
        MEMBER, verbose_name=_("通報した人"), on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("理由"), max_length=20, choices=Reason.choices)
    note = models.CharField(_("補足"), max_length=500, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    resolved_by = models.ForeignKey(
        MEMBER,
        verbose_name=_("対応した人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("対応日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("通報")
        verbose_name_plural = _("通報")
        constraints = [
            models.UniqueConstraint(
                fields=["post", "flagger"], condition=Q(status="open"), name="one_open_flag"
            )
        ]


MODERATION_ACTIONS = {
    "remove_member": _("メンバーから外した"),
    "allow_rejoin": _("再参加を許可した"),
    "suspend_member": _("参加を停止した"),
    "unsuspend_member": _("参加停止を解除した"),
    "delete_post": _("投稿を削除した"),
    "hide_post": _("投稿を非表示にした"),
    "restore_post": _("投稿を再表示した"),
    "dismiss_flags": _("通報を却下した"),
    "delete_message": _("チャットのメッセージを削除した"),
    "dismiss_message_flags": _("チャットの通報を却下した"),
    "move_topic": _("トピックを移動した"),
    "lock_topic": _("トピックをロックした"),
    "unlock_topic": _("トピックのロックを解除した"),
    "pin_topic": _("トピックを固定した"),
    "unpin_topic": _("トピックの固定を外した"),
    "hide_topic": _("トピックを非表示にした"),
    "restore_topic": _("トピックを再表示した"),
    "chat_mute": _("チャットの発言を停止した"),
    "chat_unmute": _("チャットの発言停止を解除した"),
    "chat_on": _("チャットを使うようにした"),
    "chat_off": _("チャットを止めた"),
}


class ModerationLog(models.Model):
    group = models.ForeignKey(
        Group, verbose_name=_("グループ"), on_delete=models.CASCADE, related_name="moderation_log"
    )
    actor = models.ForeignKey(
        MEMBER, verbose_name=_("操作した人"), on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("操作"), max_length=40)
    topic = models.ForeignKey(
        Topic, verbose_name=_("トピック"), null=True, blank=True, on_delete=models.SET_NULL
    )
    post = models.ForeignKey(
        Post, verbose_name=_("投稿"), null=True, blank=True, on_delete=models.SET_NULL
    )
    target_member = models.ForeignKey(
        MEMBER,
        verbose_name=_("対象の会員"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("日時"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("モデレーション記録")
        verbose_name_plural = _("モデレーション記録")
        ordering = ["-created_at", "-id"]

    @property
    def label(self) -> str:
        """The action in the reader's language; a role change names the new role."""
        if self.action.startswith("role:"):
            role = Membership.Role(self.action.removeprefix("role:")).label
            return _("役割を「%(role)s」にした") % {"role": role}
        return str(MODERATION_ACTIONS.get(self.action, self.action))


class Draft(models.Model):
    """What a member is writing and has not posted yet: a reply to ``topic``, or with no topic a
    new topic in ``group``. One per member and place; saved as they type, from any device, and
    deleted when the post is made. Two tabs writing the same draft: the later save wins
    (``updated_at``)."""

    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="drafts")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(_("タイトル"), max_length=120, blank=True)
    body = models.TextField(_("本文"), max_length=20000, blank=True)
    updated_at = models.DateTimeField(_("保存日時"), default=timezone.now)

    class Meta:
        verbose_name = _("下書き")
        verbose_name_plural = _("下書き")
        constraints = [
            models.UniqueConstraint(
                fields=["member", "topic"],
                condition=Q(topic__isnull=False),
                name="one_reply_draft_per_topic",
            ),
            models.UniqueConstraint(
                fields=["member", "group"],
                condition=Q(topic__isnull=True),
                name="one_topic_draft_per_group",
            ),
        ]

    def __str__(self):
        return f"{self.member_id}: {self.title or self.body[:30]}"
