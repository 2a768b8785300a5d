from django.core.management.base import BaseCommand

from groups.models import Attachment
from groups.tasks import attachment_preview_make


class Command(BaseCommand):
    help = (
        "Queue the inline preview of every attached image that has none (images attached "
        "before previews existed, or whose preview task was lost). The worker makes them."
    )

    def handle(self, *args, **options):
        missing = Attachment.objects.filter(content_type__startswith="image/", preview="")
        count = 0
        for attachment_id in missing.values_list("pk", flat=True).iterator():
            attachment_preview_make.enqueue(attachment_id=attachment_id)
            count += 1
        self.stdout.write(f"{count} previews queued")
