"""The admin site as a whole: Django's own 「グループ」 (auth.Group, permission groups) is not
shown, so nobody takes it for the site's topic groups; the background task results of
django-tasks-db are listed with Japanese labels (the library ships no translations: its
labels are in our catalogues through TASK_LABELS)."""

from django.contrib import admin
from django.contrib.auth import admin as auth_admin  # noqa: F401 (registers auth.Group first)
from django.contrib.auth.models import Group as PermissionGroup
from django.utils.translation import gettext_lazy as _
from django_tasks_db import admin as tasks_admin
from django_tasks_db.models import DBTaskResult

admin.site.unregister(PermissionGroup)

# django-tasks-db's field and model names, so that makemessages puts them in our catalogues.
TASK_LABELS = [
    _("status"), _("enqueued at"), _("started at"), _("finished at"),
    _("args kwargs"), _("priority"), _("task path"), _("worker id"), _("queue name"),
    _("backend name"), _("run after"), _("return value"), _("exception class path"),
    _("traceback"), _("Task Result"), _("Task Results"),
]  # fmt: skip

admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(tasks_admin.DBTaskResultAdmin):
    list_display = ["result_id", "task", "status", "enqueued_at", "started_at", "finished_at",
                    "priority", "queue_name"]  # fmt: skip
    search_fields = ["task_path"]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        return ["result_id" if name == "id" else name for name in fields]

    @admin.display(description=_("ID"), ordering="id")
    def result_id(self, result):
        return result.id

    @admin.display(description=_("処理"))
    def task(self, result):
        return result.task_name

    @admin.display(description=_("エラーの詳細"))
    def formatted_traceback(self, result):
        return super().formatted_traceback(result)

    @admin.display(description=_("実行予定"))
    def display_run_after(self, result):
        return super().display_run_after(result)
