"""Mentions in chat messages of former handles made from the email address (members 0010) are
rewritten to the member's handle, in the source and its HTML (see groups 0006)."""

from django.db import migrations

from cityhall.markdown import rename_mentions


def rewrite(apps, schema_editor):
    FormerHandle = apps.get_model("members", "FormerHandle")
    Message = apps.get_model("chat", "Message")
    rows = FormerHandle.objects.filter(from_email=True, member__handle__isnull=False)
    renames = dict(rows.values_list("handle", "member__handle"))
    if not renames:
        return
    changed = []
    for message in Message.objects.filter(body__contains="@").only("body", "body_html").iterator():
        body = rename_mentions(message.body, renames)
        html = rename_mentions(message.body_html, renames)
        if (body, html) != (message.body, message.body_html):
            message.body, message.body_html = body, html
            changed.append(message)
    Message.objects.bulk_update(changed, ["body", "body_html"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_notification_subjects"),
        ("members", "0010_former_handles_from_email"),
    ]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
