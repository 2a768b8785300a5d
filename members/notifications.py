"""The notifications members sends about a member's own account (registered from
MembersConfig.ready). The keys are stored in Notification rows: do not change them."""

from django.utils.translation import gettext_lazy as _

from cityhall import notifications
from cityhall.notifications import NotificationKind

WELCOME = "welcome"
TRANSFER = "transfer"
ORGANIZATION_CONFIRMED = "organization_confirmed"

KINDS = [
    NotificationKind(
        key=WELCOME,
        label=_("ようこそ"),
        wording=_("オンライン市役所へようこそ、%(name)sさん。プロフィールを整えましょう。"),
        configurable=False,
        order=10,
    ),
    NotificationKind(
        key=TRANSFER,
        label=_("所属の変更"),
        wording=_("所属を %(old)s から %(new)s に変更しました。以前の所属は履歴に残っています。"),
        configurable=False,
        order=10,
    ),
    NotificationKind(
        key=ORGANIZATION_CONFIRMED,
        label=_("所属団体の確認"),
        wording=_("所属団体(%(organization)s)が管理者により確認されました。"),
        configurable=False,
        order=10,
    ),
]


def register() -> None:
    for kind in KINDS:
        notifications.register(kind)
