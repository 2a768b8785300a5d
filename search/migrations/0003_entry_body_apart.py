"""Entries' bodies move to a table of their own (search.models.EntryBody), so that the rows a
search walks stay narrow."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0002_entry_ids_are_dates")]

    operations = [
        migrations.CreateModel(
            name="EntryBody",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("body", models.TextField(verbose_name="本文")),
            ],
            options={
                "verbose_name": "検索インデックスの本文",
                "verbose_name_plural": "検索インデックスの本文",
            },
        ),
        migrations.RunSQL(
            "INSERT INTO search_entrybody (id, body) SELECT id, body FROM search_entry",
            "UPDATE search_entry SET body = "
            "(SELECT b.body FROM search_entrybody b WHERE b.id = search_entry.id)",
        ),
        migrations.RemoveField(model_name="entry", name="body"),
    ]
