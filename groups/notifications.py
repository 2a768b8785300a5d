"""The notifications groups sends (registered from GroupsConfig.ready); chat uses MENTION too.
The keys are stored in Notification rows: do not change them."""

from django.utils.translation import gettext_lazy as _

from cityhall import notifications
from cityhall.notifications import NotificationKind

MENTION = "mention"
REPLY = "reply"
WATCHED_REPLY = "watched_reply"
ACCEPTED_ANSWER = "accepted_answer"
GROUP = "group"
MODERATION = "moderation"

KINDS = [
    NotificationKind(
        key=MENTION,
        label=_("@で呼びかけられた"),
        wording=_("%(actor)sさんが「%(topic)s」であなたに呼びかけました。"),
        email_by_default=True,
        order=20,
    ),
    NotificationKind(
        key=REPLY,
        label=_("自分のトピックへの返信"),
        wording=_("%(actor)sさんが「%(topic)s」に返信しました。"),
        email_by_default=True,
        order=20,
    ),
    NotificationKind(
        key=WATCHED_REPLY,
        label=_("ウォッチ中のトピックへの返信"),
        wording=_("ウォッチ中の「%(topic)s」に%(actor)sさんが投稿しました。"),
        order=20,
    ),
    NotificationKind(
        key=ACCEPTED_ANSWER,
        label=_("回答が解決済みに選ばれた"),
        wording=_("「%(topic)s」であなたの回答が解決済みに選ばれました。"),
        email_by_default=True,
        order=20,
    ),
    # What happened in a group, by the "event" the notification carries.
    NotificationKind(
        key=GROUP,
        label=_("グループの参加・招待・審査"),
        wording={
            "approved": _("グループ「%(group)s」が承認されました。"),
            "declined": _("グループ「%(group)s」の提案は見送りになりました。"),
            "requested": _("%(name)sさんが「%(group)s」への参加を申請しました。"),
            "request_approved": _("「%(group)s」への参加が承認されました。"),
            "request_declined": _("「%(group)s」への参加申請は見送りになりました。"),
            "invited": _("%(name)sさんから「%(group)s」に招待されました。"),
        },
        email_by_default=True,
        order=20,
    ),
    # What waits for a moderator: a flag in a group they moderate, a group proposal for site
    # moderators. In the app only, unless they ask for mail too.
    NotificationKind(
        key=MODERATION,
        label=_("モデレーターへの知らせ(通報・グループの提案)"),
        wording={
            "flagged": _("「%(group)s」の「%(topic)s」への投稿が通報されました。"),
            "proposed": _("%(name)sさんが新しいグループ「%(group)s」を提案しました。"),
        },
        order=20,
    ),
]


def register() -> None:
    for kind in KINDS:
        notifications.register(kind)
