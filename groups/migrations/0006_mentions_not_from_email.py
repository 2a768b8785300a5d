"""Mentions of former handles made from the email address (members 0010) are rewritten to the
member's handle: those no longer lead anywhere, and "@hanako.yamada" beside a post showed the
address's local part. Source and HTML alike (the mention and its /members/@… link), in posts,
their edit history, topic titles and the notifications that quote a title."""

from django.db import migrations

from cityhall.markdown import rename_mentions

TITLE_MAX = 120


def renames_from_email(apps) -> dict[str, str]:
    FormerHandle = apps.get_model("members", "FormerHandle")
    rows = FormerHandle.objects.filter(from_email=True, member__handle__isnull=False)
    return dict(rows.values_list("handle", "member__handle"))


def rewrite_rows(model, rows, fixes) -> None:
    """Apply ``fixes`` (field name → function of the old value) and save the rows that changed."""
    changed = []
    for row in rows.only(*fixes).iterator():
        new = {name: fix(getattr(row, name)) for name, fix in fixes.items()}
        if any(getattr(row, name) != value for name, value in new.items()):
            for name, value in new.items():
                setattr(row, name, value)
            changed.append(row)
    model.objects.bulk_update(changed, list(fixes), batch_size=500)


def rewrite(apps, schema_editor):
    renames = renames_from_email(apps)
    if not renames:
        return

    def text(value):
        return rename_mentions(value, renames)

    def title(value):
        value = text(value)
        return value if len(value) <= TITLE_MAX else value[: TITLE_MAX - 1] + "…"

    def params(value):
        if isinstance(value, dict) and isinstance(value.get("topic"), str):
            return {**value, "topic": title(value["topic"])}
        return value

    Post = apps.get_model("groups", "Post")
    PostRevision = apps.get_model("groups", "PostRevision")
    Topic = apps.get_model("groups", "Topic")
    Notification = apps.get_model("members", "Notification")
    rewrite_rows(Post, Post.objects.filter(body__contains="@"), {"body": text, "body_html": text})
    rewrite_rows(
        PostRevision,
        PostRevision.objects.all(),
        {"previous_body": text, "previous_title": title},
    )
    rewrite_rows(Topic, Topic.objects.filter(title__contains="@"), {"title": title})
    notifications = Notification.objects.filter(params__topic__icontains="@")
    rewrite_rows(Notification, notifications, {"params": params})


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0005_notification_subjects"),
        ("members", "0010_former_handles_from_email"),
    ]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
