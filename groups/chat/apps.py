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
        from groups.chat import selectors
        from groups.chat.models import Message
        from members import notification_subjects

        notification_subjects.register(Message, selectors.messages_seen)
        unread.register(unread.GroupUnread(key="chat", order=20, count=selectors.unread_by_group))
        navigation.register(navigation.NavCount(
            key="chat.unread", link="groups", order=20, label=_("未読のチャット"),
            count=selectors.unread_total,
        ))  # fmt: skip
