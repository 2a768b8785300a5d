"""The search columns again, now with the normalised forms and readings of members.search
(申込み → 申し込み, もうしこみ), so existing members are found the way new ones are."""

from django.db import migrations

from members import search


def refill(apps, schema_editor):
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
        ("members", "0013_search_columns"),
    ]

    operations = [
        migrations.RunPython(refill, migrations.RunPython.noop),
    ]
