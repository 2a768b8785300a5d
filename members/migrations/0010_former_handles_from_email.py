"""Former handles made from the email address (those 0008 replaced: local, local-2, …) are
marked: they stay reserved but no longer lead to the member, since whoever guesses an address
could otherwise find out whose it is (groups 0006 and chat 0005 rewrite the mentions of them)."""

import re

from django.db import migrations, models


def _local_part(email):
    local = email.partition("@")[0].lower()
    return re.sub(r"[^a-z0-9_.-]+", "-", local).strip(".-_")


def mark(apps, schema_editor):
    FormerHandle = apps.get_model("members", "FormerHandle")
    made = []
    for row in FormerHandle.objects.select_related("member").iterator():
        local = _local_part(row.member.email)
        if local and re.fullmatch(rf"{re.escape(local)}(-\d+)?", row.handle):
            made.append(row.pk)
    for start in range(0, len(made), 500):
        FormerHandle.objects.filter(pk__in=made[start : start + 500]).update(from_email=True)


class Migration(migrations.Migration):
    dependencies = [("members", "0009_notification_subject")]

    operations = [
        migrations.AddField(
            model_name="formerhandle",
            name="from_email",
            field=models.BooleanField(default=False, verbose_name="メールアドレスから作られた"),
        ),
        migrations.RunPython(mark, migrations.RunPython.noop),
    ]
