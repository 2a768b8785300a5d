from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "groups.chat"
    label = "chat"
    verbose_name = _("チャット")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cityhall import navigation
        from groups import unread
        from groups.chat import moderation, search, selectors
        from groups.chat.models import Message
        from members import notification_subjects
        from members.selectors import register_signed_in_column

        notification_subjects.register(Message, selectors.messages_seen)
        register_signed_in_column(
            selectors.SIGNED_IN_NOTIFIED_MESSAGES, selectors.notified_messages_listed
        )
        moderation.register()
        search.register()
        unread.register(unread.GroupUnread(
            key="chat", count=selectors.unread_by_group, order=20,
            statement=selectors.unread_statement,
        ))  # fmt: skip
        navigation.register(navigation.NavCount(
            key="chat.unread", link="groups", label=_("未読のチャット"),
            count=selectors.unread_total, order=20,
        ))  # fmt: skip
