from django.db import migrations, models

from members import search


def fill(apps, schema_editor):
    User = apps.get_model("members", "User")
    members = User.objects.select_related("organization").prefetch_related("work_fields")
    changed = []
    for member in members.iterator(chunk_size=500):
        names = [] if member.hide_work_fields else [f.name for f in member.work_fields.all()]
        member.search_name = search.name_text(member, member.organization)
        member.search_profile = search.profile_text(member, names)
        changed.append(member)
    User.objects.bulk_update(changed, ["search_name", "search_profile"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0012_notification_kinds_registered"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="search_name",
            field=models.TextField(blank=True, editable=False, verbose_name="検索用の名前"),
        ),
        migrations.AddField(
            model_name="user",
            name="search_profile",
            field=models.TextField(blank=True, editable=False, verbose_name="検索用のプロフィール"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
