"""The notifications events sends (registered from EventsConfig.ready). The keys are stored in
Notification rows: do not change them."""

from django.utils.translation import gettext_lazy as _

from cityhall import notifications
from cityhall.notifications import NotificationKind

REGISTRATION = "event_registration"
REMINDER = "event_reminder"
CHANGE = "event_change"
ORGANIZER_MESSAGE = "event_message"

KINDS = [
    NotificationKind(
        key=REGISTRATION,
        label=_("イベントの申込・補欠・抽選の結果"),
        wording={
            "confirmed": _("「%(title)s」(%(when)s)への参加が確定しました。"),
            "waitlisted": _(
                "「%(title)s」(%(when)s)は満席のため補欠%(place)s番目で受け付けました。"
            ),
            "lottery": _("「%(title)s」(%(when)s)の抽選に申し込みました。"),
            "promoted": _("「%(title)s」(%(when)s)に空きが出たため、参加が確定しました。"),
            "won": _("「%(title)s」(%(when)s)の抽選に当選しました。参加が確定しました。"),
            "lost": _(
                "「%(title)s」(%(when)s)の抽選の結果、補欠%(place)s番目になりました。"
                "キャンセルが出ると繰り上がります。"
            ),
            "cancelled": _("「%(title)s」(%(when)s)の申込を取り消しました。"),
        },
        email_by_default=True,
        order=40,
    ),
    NotificationKind(
        key=REMINDER,
        label=_("参加予定のイベントのリマインダー"),
        wording={
            "day": _("明日「%(title)s」(%(when)s)があります。"),
            "hour": _("まもなく「%(title)s」(%(when)s)が始まります。"),
        },
        email_by_default=True,
        order=40,
    ),
    NotificationKind(
        key=CHANGE,
        label=_("申し込んだイベントの日時変更・中止"),
        wording={
            "moved": _("「%(title)s」の日時が%(when)sに変更されました。"),
            "cancelled": _("「%(title)s」(%(when)s)は中止になりました。"),
        },
        email_by_default=True,
        order=40,
    ),
    NotificationKind(
        key=ORGANIZER_MESSAGE,
        label=_("運営者からのお知らせ"),
        wording=_("「%(title)s」の運営者からのお知らせ: %(subject)s"),
        # the message itself goes by mail to every registrant (services.registrants_message)
        configurable=False,
        order=40,
    ),
]


def register() -> None:
    for kind in KINDS:
        notifications.register(kind)
