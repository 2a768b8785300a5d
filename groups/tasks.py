import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.tasks import task

from cityhall.uploads import delete_unless_committed
from groups.attachments import make_preview
from groups.models import Attachment

logger = logging.getLogger(__name__)


@task
def attachment_preview_make(*, attachment_id: int) -> bool:
    """Store the small inline preview of an attached image, once; safe to run twice. Runs in
    the worker, so decoding a large image never weighs on the web process. An image that
    cannot be decoded gets no preview: the post shows only its link."""
    item = Attachment.objects.filter(pk=attachment_id, preview="").first()
    if item is None:
        return False
    try:
        with item.file.open("rb") as original:
            content = make_preview(original)
    except (ValidationError, OSError, ValueError) as error:
        logger.warning("no preview for attachment %s: %s", attachment_id, error)
        return False
    with transaction.atomic():
        item = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if item is None or item.preview:
            return False
        item.preview.save(content.name, content, save=False)
        delete_unless_committed(item.preview.storage, item.preview.name)
        item.save(update_fields=["preview"])
    return True
