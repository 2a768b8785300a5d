"""Checks on what editors upload in /cms/ (Wagtail's forms, extended through its settings)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from wagtail.documents.forms import BaseDocumentForm

from groups.attachments import check_upload


class DocumentForm(BaseDocumentForm):
    """A document is read by its content, as a post's attachment is: a renamed program or an
    HTML page named .pdf is refused, whatever its extension says."""

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None or not hasattr(upload, "read"):
            return upload
        checked = check_upload(upload)
        if checked.is_image:
            raise ValidationError(_("画像は「画像」から追加してください。"))
        return upload
