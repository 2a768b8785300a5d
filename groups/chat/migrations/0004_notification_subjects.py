"""Chat mentions made before notifications recorded their subject get it from their link
(``/groups/<slug>/chat/?seq=N``), so that leaving the group is checked for them too."""

import re

from django.db import migrations

MESSAGE_LINK = re.compile(r"^/groups/([^/]+)/chat/\?seq=(\d+)")


def fill_subjects(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    Message = apps.get_model("chat", "Message")
    changed = []
    for row in Notification.objects.filter(subject_type="", url__contains="/chat/?seq=").iterator():
        if found := MESSAGE_LINK.match(row.url):
            row.subject_type = "chat.message"
            row.subject_id = (
                Message.objects.filter(room__group__slug=found[1], seq=found[2])
                .values_list("pk", flat=True)
                .first()
            )
            changed.append(row)
    Notification.objects.bulk_update(changed, ["subject_type", "subject_id"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0003_presence"),
        ("members", "0009_notification_subject"),
    ]

    operations = [migrations.RunPython(fill_subjects, migrations.RunPython.noop)]
