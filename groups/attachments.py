"""Which uploaded files may be attached: the type is decided by the content, never the name, and
the name is made to agree with it. Only the head of an upload is read (and a ZIP's directory);
an image's size comes from its header, and its inline preview is made once, by the worker."""

import codecs
import io
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import ImageOps

from cityhall.uploads import open_image

# content type -> the extensions a file of that type may have, the usual one first
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    "application/msword": (".doc",),
    "application/vnd.ms-excel": (".xls",),
    "application/vnd.ms-powerpoint": (".ppt",),
    "text/csv": (".csv",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
}
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE2 = {".doc": "application/msword", ".xls": "application/vnd.ms-excel",
        ".ppt": "application/vnd.ms-powerpoint"}  # fmt: skip
IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")
HEAD_BYTES = 8192
PREVIEW_SIZE = (1280, 1280)
PREVIEW_TYPE = "image/webp"


@dataclass(frozen=True)
class Checked:
    content_type: str
    name: str  # the uploaded name, its extension made to agree with content_type

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


def check_upload(upload) -> Checked:
    """The content type of an allowed attachment, or ValidationError with a Japanese reason."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("ファイルは%(mb)dMB以下にしてください。")
            % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20}
        )
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    name = upload.name.lower()
    content_type = (
        _image(upload, head) or _by_signature(upload, head, name) or _csv(upload, head, name)
    )
    upload.seek(0)
    if content_type is None:
        raise ValidationError(
            _(
                "%(name)s は添付できない種類のファイルです(PDF、Excel、Word、PowerPoint、CSV、画像のみ)。"
            )
            % {"name": upload.name}
        )
    return Checked(content_type, served_name(upload.name, content_type))


def served_name(name: str, content_type: str) -> str:
    """``name`` with an extension of ``content_type``: ``page.html`` holding a PDF is
    ``page.pdf``; ``写真.JPEG`` stays as it is."""
    name = PurePath(name).name[:190] or "file"
    extensions = EXTENSIONS.get(content_type, ("",))
    path = PurePath(name)
    if path.suffix.lower() in extensions:
        return name
    return f"{path.stem if path.suffix else name}{extensions[0]}"


def _image(upload, head: bytes) -> str | None:
    if _mime(head) not in IMAGES.values():
        return None
    upload.seek(0)
    with open_image(upload, max_pixels=settings.ATTACHMENT_MAX_PIXELS) as image:
        try:
            image.verify()  # reads the file chunk by chunk (PNG checksums), decodes nothing
        except (OSError, SyntaxError) as error:
            raise ValidationError(_("画像として読み込めませんでした。")) from error
        return IMAGES[image.format]


def _mime(head: bytes) -> str | None:
    try:
        return puremagic.from_string(head, mime=True)
    except puremagic.PureError:
        return None


def _by_signature(upload, head: bytes, name: str) -> str | None:
    if head.startswith(OLE2_SIGNATURE):
        return next((mime for ext, mime in OLE2.items() if name.endswith(ext)), None)
    if _mime(head) == "application/pdf":
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml(upload)
    return None


def _ooxml(upload) -> str | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:  # reads the directory at the end, not the members
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next(
        (mime for folder, mime in OOXML.items() if any(n.startswith(folder) for n in names)),
        None,
    )


def _csv(upload, head: bytes, name: str) -> str | None:
    if not name.endswith(".csv"):
        return None
    return "text/csv" if any(_decodes(upload, enc) for enc in ("utf-8-sig", "cp932")) else None


def _decodes(upload, encoding: str) -> bool:
    """Whether the whole upload is text in ``encoding``, read a chunk at a time."""
    decoder = codecs.getincrementaldecoder(encoding)()
    upload.seek(0)
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def make_preview(fp) -> ContentFile:
    """A WebP of at most PREVIEW_SIZE of the image ``fp``, turned upright, without metadata.
    A JPEG is decoded at a reduced scale (``draft``); other formats are decoded once, then
    reduced (``thumbnail`` reduces by whole factors before resampling)."""
    max_pixels = settings.ATTACHMENT_MAX_PIXELS
    with open_image(fp, max_pixels=max_pixels, draft_size=PREVIEW_SIZE) as image:
        if image.mode in ("1", "P", "PA"):  # else resized by nearest neighbour
            image = image.convert("RGBA" if image.has_transparency_data else "RGB")
        image.thumbnail(PREVIEW_SIZE)
        image = ImageOps.exif_transpose(image)
        buffer = io.BytesIO()
        image.save(buffer, "WEBP", quality=80)
    return ContentFile(buffer.getvalue(), name="preview.webp")
