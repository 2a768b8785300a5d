"""What chat adds to the moderation pages of groups (registered from ChatConfig.ready): flagged
chat messages, beside the flagged posts."""

from django.utils.translation import gettext_lazy as _

from groups import moderation
from groups.chat import selectors


def register() -> None:
    moderation.register_section(
        moderation.PageSection(
            key="chat_flags",
            title=_("通報されたチャットのメッセージ"),
            template="chat/_flags.html",
            items=selectors.open_flags,
        )
    )
