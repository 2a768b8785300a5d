"""Uploaded images and stored files: an image's size is read from its header and refused above a
limit before anything is decoded, and files written inside a transaction go away with it."""

import weakref
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = ("PNG", "JPEG", "GIF", "WEBP")


def open_image(fp, *, max_pixels: int, draft_size: tuple[int, int] | None = None) -> Image.Image:
    """``fp`` opened as a PNG, JPEG, GIF or WebP image, not decoded yet, or ValidationError with
    a Japanese reason. With ``draft_size``, a JPEG is set to decode at the smallest scale (1/2 to
    1/8) still at least that size; ``max_pixels`` applies to what will be decoded."""
    try:
        image = Image.open(fp, formats=IMAGE_FORMATS)
    except UnidentifiedImageError as error:
        raise ValidationError(_("PNG、JPEG、GIF、WebP の画像を選んでください。")) from error
    except Image.DecompressionBombError as error:
        raise ValidationError(_too_large(max_pixels)) from error
    except OSError as error:
        raise ValidationError(_("画像として読み込めませんでした。")) from error
    if draft_size is not None:
        image.draft("RGB", draft_size)
    if image.width * image.height > max_pixels:
        image.close()
        raise ValidationError(_too_large(max_pixels))
    return image


def _too_large(max_pixels: int) -> str:
    return _(
        "画像の画素数が大きすぎます。縦×横が%(pixels)s画素(%(megapixels)sメガピクセル)以下になるよう縮小してから選んでください。"
    ) % {"pixels": f"{max_pixels:,}", "megapixels": f"{max_pixels / 1_000_000:g}"}


def delete_unless_committed(storage, name: str) -> None:
    """Delete the file ``name`` of ``storage`` when the current transaction (or savepoint)
    rolls back. Django has no on-rollback hook, but a rollback drops the transaction's pending
    on-commit callbacks: the callback registered here is dropped without running, and the
    finalizer tied to it deletes the file. On commit the callback runs and cancels that."""
    keeper = _Keeper()
    keeper.finalizer = weakref.finalize(keeper, storage.delete, name)
    transaction.on_commit(keeper.keep)


class _Keeper:
    finalizer: weakref.finalize

    def keep(self) -> None:
        self.finalizer.detach()


def delete_after_commit(storage, name: str) -> None:
    """Delete the file ``name`` of ``storage`` once the current transaction commits (a file a
    row no longer points at)."""
    transaction.on_commit(partial(storage.delete, name))
