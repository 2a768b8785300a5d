"""On SQLite, an index for the task worker's poll (django_tasks_db's ready tasks, by priority)
that does not depend on a condition. The worker's own index holds only the ready tasks, and
SQLite can use it only when the statement's status is written out, not bound: with the query
planner stability guarantee that the site's connections run with (cityhall/sqlite), the poll
read every task ever run. PostgreSQL plans with the bound value and uses the worker's index."""

from django.db import migrations

INDEX = "cityhall_tasks_ready"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        table = apps.get_model("django_tasks_database", "DBTaskResult")._meta.db_table
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON {table} "
            "(status, priority DESC, run_after, enqueued_at)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("cityhall", "0001_site_name"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(create, drop)]
