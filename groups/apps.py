from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GroupsConfig(AppConfig):
    name = "groups"
    verbose_name = _("グループ")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from groups import home, moderation, notifications, search, selectors
        from groups.models import Group, Post
        from members import notification_subjects

        notifications.register()
        moderation.register()
        notification_subjects.register(Post, selectors.posts_seen)
        notification_subjects.register(Group, selectors.groups_seen)
        home.register_panels()
        search.register()
