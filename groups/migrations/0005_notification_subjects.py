"""Notifications made before they recorded their subject get it from their link, so that a
topic hidden or a group left since is checked for them too (members.notification_subjects)."""

import re

from django.db import migrations

POST_LINK = re.compile(r"^/groups/[^/]+/t/(\d+)/\?n=(\d+)")
GROUP_LINK = re.compile(r"^/groups/([^/]+)/(members/)?$")


def fill_subjects(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    Post = apps.get_model("groups", "Post")
    Group = apps.get_model("groups", "Group")
    rows = Notification.objects.filter(subject_type="", url__startswith="/groups/").exclude(
        url__contains="/chat/"
    )
    changed = []
    for row in rows.iterator():
        if row.kind == "group" and (found := GROUP_LINK.match(row.url)):
            row.subject_type = "groups.group"
            row.subject_id = Group.objects.filter(slug=found[1]).values_list("pk", flat=True).first()
        elif found := POST_LINK.match(row.url):
            row.subject_type = "groups.post"
            row.subject_id = (
                Post.objects.filter(topic_id=found[1], number=found[2])
                .values_list("pk", flat=True)
                .first()
            )
        else:
            continue
        changed.append(row)  # a subject gone since (None) is shown to nobody
    Notification.objects.bulk_update(changed, ["subject_type", "subject_id"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0004_attachment_preview"),
        ("members", "0009_notification_subject"),
    ]

    operations = [migrations.RunPython(fill_subjects, migrations.RunPython.noop)]
