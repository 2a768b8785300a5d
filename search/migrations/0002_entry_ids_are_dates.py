"""Entry ids become their documents' dates (search.backends.embedded._date_id), so that the
newest matches are the first ones the full-text index walks backwards. Existing entries are
renumbered here (their full-text rows on SQLite too); the rule is copied, as migrations must
not follow later code."""

import zlib

from django.db import migrations

SLOTS_PER_SECOND = 1 << 10
LAST_SECOND = (2**63 - 1) // SLOTS_PER_SECOND - 1


def renumber(apps, schema_editor):
    Entry = apps.get_model("search", "Entry")
    connection = schema_editor.connection
    used, moves = set(), []
    for old, key, date in Entry.objects.order_by("id").values_list("id", "key", "date"):
        second = max(-LAST_SECOND, min(LAST_SECOND, int(date.timestamp())))
        new = second * SLOTS_PER_SECOND + zlib.crc32(key.encode()) % SLOTS_PER_SECOND
        while new in used:
            new += 1
        used.add(new)
        moves.append((new, old))
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE search_entry SET id = %s WHERE id = %s", moves)
        if connection.vendor == "sqlite":
            cursor.executemany("UPDATE search_fts SET rowid = %s WHERE rowid = %s", moves)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index")]

    operations = [migrations.RunPython(renumber, migrations.RunPython.noop)]
