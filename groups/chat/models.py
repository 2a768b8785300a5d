"""Chat rooms. Every message gets the room's next ``seq`` (1, 2, 3 … with no gaps), and every
change in a room (a new message, an edit, a deletion, a reaction) gets the room's next
``change``: clients resume from both, so nothing is lost, repeated or reordered."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityhall import realtime
from groups.models import Flag, Group, Reaction

MEMBER = settings.AUTH_USER_MODEL
BODY_MAX = 4000


def room_channel_group(room_id: int) -> str:
    """The channel-layer group of a room's sockets."""
    return realtime.group_name("chat", room_id)


class Room(models.Model):
    """A group's room, or a room without a group that an app claims (``owner_key``: the key of
    its groups.chat.owners.RoomOwner, e.g. an event occurrence's room)."""

    group = models.OneToOneField(
        Group, verbose_name=_("グループ"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="chat_room",
    )  # fmt: skip
    owner_key = models.CharField(_("持ち主のアプリ"), max_length=40, blank=True)
    last_seq = models.PositiveBigIntegerField(_("最後のメッセージ番号"), default=0)
    last_change = models.PositiveBigIntegerField(_("最後の変更番号"), default=0)
    created_at = models.DateTimeField(_("作成日時"), default=timezone.now)

    class Meta:
        verbose_name = _("チャットルーム")
        verbose_name_plural = _("チャットルーム")
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, owner_key="")
                | Q(group__isnull=True) & ~Q(owner_key=""),
                name="chat_room_group_or_owner",
            )  # fmt: skip
        ]

    def __str__(self):
        return str(self.group) if self.group_id else f"{self.owner_key} #{self.pk}"


class Message(models.Model):
    room = models.ForeignKey(
        Room, verbose_name=_("ルーム"), on_delete=models.CASCADE, related_name="messages"
    )
    seq = models.PositiveBigIntegerField(_("番号"))
    change = models.PositiveBigIntegerField(_("変更番号"))
    author = models.ForeignKey(MEMBER, verbose_name=_("発言者"), on_delete=models.CASCADE,
                               related_name="+")  # fmt: skip
    client_id = models.CharField(_("クライアントID"), max_length=64)
    body = models.TextField(_("本文"), max_length=BODY_MAX)
    body_html = models.TextField()
    reply_to = models.ForeignKey("self", verbose_name=_("返信先"), null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")  # fmt: skip
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    edited_at = models.DateTimeField(_("編集日時"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("削除日時"), null=True, blank=True)
    deleted_by = models.ForeignKey(MEMBER, verbose_name=_("削除した人"), null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip

    class Meta:
        verbose_name = _("チャットメッセージ")
        verbose_name_plural = _("チャットメッセージ")
        ordering = ["room", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["room", "seq"], name="chat_message_seq"),
            models.UniqueConstraint(fields=["room", "change"], name="chat_message_change"),
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="chat_message_client_id"
            ),  # fmt: skip
        ]

    def __str__(self):
        return f"{self.room} #{self.seq}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class MessageReaction(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Reaction.Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "member", "kind"], name="chat_one_reaction_each"
            )  # fmt: skip
        ]

    def __str__(self):
        return f"{self.message} {self.kind}"


class RoomRead(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    last_read_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["room", "member"], name="chat_one_read_state")
        ]

    def __str__(self):
        return f"{self.room} {self.member_id}: {self.last_read_seq}"


class Mute(models.Model):
    room = models.ForeignKey(
        Room, verbose_name=_("ルーム"), on_delete=models.CASCADE, related_name="mutes"
    )
    member = models.ForeignKey(MEMBER, verbose_name=_("会員"), on_delete=models.CASCADE,
                               related_name="+")  # fmt: skip
    until = models.DateTimeField(_("期限"))
    muted_by = models.ForeignKey(
        MEMBER, verbose_name=_("停止した人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("理由"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("日時"), default=timezone.now)

    class Meta:
        verbose_name = _("発言停止")
        verbose_name_plural = _("発言停止")
        indexes = [models.Index(fields=["room", "member", "until"])]

    def __str__(self):
        return f"{self.room} {self.member_id} ~{self.until:%Y-%m-%d %H:%M}"


class Presence(models.Model):
    """One open socket of a member in a room. A socket refreshes ``seen_at`` while it lives;
    rows left behind by a process that died are pruned once stale."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="+")
    channel_name = models.CharField(max_length=200, unique=True)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["room", "seen_at"])]

    def __str__(self):
        return f"{self.room} {self.member_id}"


class MessageFlag(models.Model):
    """A member's report of a chat message to the group's moderators (like groups.Flag for
    posts, with the same reasons and states)."""

    message = models.ForeignKey(Message, verbose_name=_("メッセージ"), on_delete=models.CASCADE,
                                related_name="flags")  # fmt: skip
    flagger = models.ForeignKey(MEMBER, verbose_name=_("通報した人"), on_delete=models.CASCADE,
                                related_name="+")  # fmt: skip
    reason = models.CharField(_("理由"), max_length=20, choices=Flag.Reason.choices)
    note = models.CharField(_("補足"), max_length=500, blank=True)
    status = models.CharField(_("状態"), max_length=10, choices=Flag.Status.choices,
                              default=Flag.Status.OPEN)  # fmt: skip
    created_at = models.DateTimeField(_("日時"), default=timezone.now)
    resolved_by = models.ForeignKey(MEMBER, verbose_name=_("対応した人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")  # fmt: skip
    resolved_at = models.DateTimeField(_("対応日時"), null=True, blank=True)

    class Meta:
        verbose_name = _("チャットの通報")
        verbose_name_plural = _("チャットの通報")
        constraints = [
            models.UniqueConstraint(
                fields=["message", "flagger"],
                condition=Q(status="open"),
                name="chat_one_open_flag",
            )  # fmt: skip
        ]

    def __str__(self):
        return f"{self.message} ({self.get_reason_display()})"
