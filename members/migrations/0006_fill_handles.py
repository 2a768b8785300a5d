from django.db import migrations


def fill(apps, schema_editor):
    from members.handles import suggest

    User = apps.get_model("members", "User")
    for user in User.objects.filter(handle__isnull=True).order_by("pk"):
        # From the reading, not the email (0008 replaced the handles this once made from it).
        user.handle = suggest(
            user.display_name_kana, lambda h: User.objects.filter(handle__iexact=h).exists()
        )
        user.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [("members", "0005_handles_moderators_notification_preferences")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
