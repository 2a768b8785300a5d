"""Which uploaded files may be attached: the type is decided by the content, never the name."""

import io
import zipfile
from dataclasses import dataclass

import puremagic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
OLE2 = {
    ".doc": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
IMAGES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
OLE2_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")


@dataclass(frozen=True)
class Checked:
    content_type: str
    is_image: bool


def check_upload(upload) -> Checked:
    """The content type of an allowed attachment, or ValidationError with a Japanese reason."""
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("ファイルは%(mb)dMB以下にしてください。")
            % {"mb": settings.ATTACHMENT_MAX_BYTES // 2**20}
        )
    data = upload.read()
    upload.seek(0)
    name = upload.name.lower()
    content_type = _image(data) or _by_signature(data, name) or _csv(data, name)
    if content_type is None:
        raise ValidationError(
            _(
                "%(name)s は添付できない種類のファイルです(PDF、Excel、Word、PowerPoint、CSV、画像のみ)。"
            )
            % {"name": upload.name}
        )
    return Checked(content_type, content_type.startswith("image/"))


def _image(data: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            return IMAGES.get(image.format)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return None


def _by_signature(data: bytes, name: str) -> str | None:
    if data.startswith(OLE2_SIGNATURE):
        return next((mime for ext, mime in OLE2.items() if name.endswith(ext)), None)
    try:
        mime = puremagic.from_string(data[:8192], mime=True)
    except puremagic.PureError:
        return None
    if mime == "application/pdf":
        return mime
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    return None


def _ooxml(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    if "[Content_Types].xml" not in names:
        return None
    return next(
        (mime for folder, mime in OOXML.items() if any(n.startswith(folder) for n in names)),
        None,
    )


def _csv(data: bytes, name: str) -> str | None:
    if not name.endswith(".csv") or b"\x00" in data:
        return None
    for encoding in ("utf-8-sig", "cp932"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "text/csv"
    return None
