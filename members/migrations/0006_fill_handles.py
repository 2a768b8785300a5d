from django.db import migrations


def fill(apps, schema_editor):
    from members.handles import unique_handle

    User = apps.get_model("members", "User")
    for user in User.objects.filter(handle__isnull=True).order_by("pk"):
        user.handle = unique_handle(user.email, lambda h: User.objects.filter(handle=h).exists())
        user.save(update_fields=["handle"])


class Migration(migrations.Migration):
    dependencies = [("members", "0005_handles_moderators_notification_preferences")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
