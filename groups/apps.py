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
        from members.selectors import register_signed_in_column

        notifications.register()
        moderation.register()
        notification_subjects.register(Post, selectors.posts_seen)
        notification_subjects.register(Group, selectors.groups_seen)
        home.register_panels()
        register_signed_in_column(selectors.SIGNED_IN_MEMBERSHIPS, selectors.memberships_listed)
        register_signed_in_column(
            selectors.SIGNED_IN_NOTIFIED_POSTS, selectors.notified_posts_listed
        )
        search.register()
