from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "groups.chat"
    label = "chat"
    verbose_name = _("チャット")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from groups.chat import moderation, selectors
        from groups.chat.models import Message
        from members import notification_subjects

        notification_subjects.register(Message, selectors.messages_seen)
        moderation.register()
