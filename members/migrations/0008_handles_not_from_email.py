"""Every handle made from the email's local part (the old rule: local, local-2, …) is replaced
by one from the reading of the name; the old one becomes a former handle, so @old in earlier
posts still leads to the member and nobody else can take it."""

import re

from django.db import migrations
from django.utils import timezone


def replace(apps, schema_editor):
    from members.handles import email_local_part, suggest

    User = apps.get_model("members", "User")
    FormerHandle = apps.get_model("members", "FormerHandle")

    def taken(handle):
        return (
            User.objects.filter(handle__iexact=handle).exists()
            or FormerHandle.objects.filter(handle=handle).exists()
        )

    for user in User.objects.exclude(handle__isnull=True).order_by("pk").iterator():
        local = email_local_part(user.email)
        if not local or not re.fullmatch(rf"{re.escape(local)}(-\d+)?", user.handle):
            continue
        FormerHandle.objects.create(member=user, handle=user.handle, retired_at=timezone.now())
        user.handle = suggest(user.display_name_kana, taken)
        user.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [("members", "0007_former_handles")]

    operations = [migrations.RunPython(replace, migrations.RunPython.noop)]
