"""Photos from the public: checked, stripped of their metadata, resized.

A photo is accepted only if Pillow opens it as JPEG, PNG or WebP, within
MAX_BYTES and MAX_PIXELS. What is stored is re-encoded from the pixels alone,
so nothing of the uploaded file survives but the picture: no EXIF (GPS above
all), no comments, nothing appended after the image data.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_PHOTOS = 5
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# Widths of the renditions: cards in lists, and the initiative's own page.
RENDITIONS = {"card": 640, "large": 1280}


@dataclass
class ProcessedPhoto:
    """A checked photo, ready to store: the cleaned original and its renditions."""

    image: ContentFile
    renditions: dict[str, ContentFile]
    width: int
    height: int


def _reject(message, name, code, **params):
    return ValidationError(message, code=code, params={"name": name, **params})


def open_checked(upload) -> Image.Image:
    """The upload as a fully decoded Pillow image, or a ValidationError that
    names the problem."""
    name = getattr(upload, "name", "") or _("The file")
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _reject(
            _("“%(name)s” is %(size)s: a photo can be at most %(limit)s."),
            name,
            "too_large",
            size=filesizeformat(size),
            limit=filesizeformat(MAX_BYTES),
        )
    upload.seek(0)
    too_many_pixels = _reject(
        _("“%(name)s” has too many pixels: a photo can be at most %(limit)s megapixels."),
        name,
        "too_many_pixels",
        limit=MAX_PIXELS // 1_000_000,
    )
    with warnings.catch_warnings():
        # Pillow warns of a possible decompression bomb before decoding it:
        # here that warning is an error, and so is anything above our own limit.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(upload, formats=FORMATS)
            if image.width * image.height > MAX_PIXELS:
                raise too_many_pixels
            image.load()
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise too_many_pixels from None
        except UnidentifiedImageError:
            raise _reject(
                _("“%(name)s” is not a photo we can use: choose a JPEG, PNG or WebP image."),
                name,
                "not_an_image",
            ) from None
        except (OSError, SyntaxError, ValueError, EOFError):
            raise _reject(
                _("“%(name)s” could not be read: the file may be damaged or incomplete."),
                name,
                "unreadable",
            ) from None
    return image


def _clean_pixels(image: Image.Image) -> Image.Image:
    """The picture upright, as a new image that carries no metadata."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "RGBA", "L"):
        has_alpha = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _encode(image: Image.Image, fmt: str, icc_profile: bytes | None) -> bytes:
    out = io.BytesIO()
    options = {"icc_profile": icc_profile} if icc_profile else {}
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode != "L" else image
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True, **options)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, method=4, **options)
    else:
        image.save(out, "PNG", optimize=True, **options)
    return out.getvalue()


def process(upload) -> ProcessedPhoto:
    """Check an uploaded photo and prepare what is stored of it."""
    image = open_checked(upload)
    fmt = image.format
    icc_profile = image.info.get("icc_profile")
    clean = _clean_pixels(image)
    image.close()
    stem = secrets.token_hex(12)
    renditions = {}
    # Renditions: JPEG for photos (every browser shows it), PNG where
    # there is transparency to keep.
    rendition_format = "PNG" if clean.mode == "RGBA" else "JPEG"
    for key, width in RENDITIONS.items():
        if clean.width <= width:
            continue
        smaller = clean.copy()
        smaller.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
        renditions[key] = ContentFile(
            _encode(smaller, rendition_format, icc_profile),
            name=f"{stem}-{key}.{EXTENSIONS[rendition_format]}",
        )
    return ProcessedPhoto(
        image=ContentFile(_encode(clean, fmt, icc_profile), name=f"{stem}.{EXTENSIONS[fmt]}"),
        renditions=renditions,
        width=clean.width,
        height=clean.height,
    )


def attach(photo, processed: ProcessedPhoto) -> list[str]:
    """Save the files of `processed` into the Photo instance `photo` (not the
    row); return the stored names, so that a caller can remove them again."""
    photo.image.save(processed.image.name, processed.image, save=False)
    photo.width, photo.height = processed.width, processed.height
    for key, content in processed.renditions.items():
        getattr(photo, key).save(content.name, content, save=False)
    return [f.name for f in photo.files()]


def remove_files(photo) -> None:
    for field_file in photo.files():
        field_file.storage.delete(field_file.name)


def delete_names(names) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        default_storage.delete(name)


# Photos sent with a form that has to be shown again (another field had an
# error) are kept, cleaned, under KEPT_DIR, so that the person need not
# choose them again. clear_kept_photos removes what is left there.
KEPT_DIR = "uploads/kept"


def keep(processed: ProcessedPhoto) -> dict:
    """Store a checked photo for a while; return its file names by field."""
    from django.core.files.storage import default_storage

    names = {"size": [processed.width, processed.height]}
    names |= {"image": default_storage.save(f"{KEPT_DIR}/{processed.image.name}", processed.image)}
    for key, content in processed.renditions.items():
        names[key] = default_storage.save(f"{KEPT_DIR}/{content.name}", content)
    return names


def attach_kept(photo, kept: dict[str, str]) -> list[str]:
    """Move a kept photo's files into the Photo instance `photo`."""
    from django.core.files.storage import default_storage

    stored = []
    photo.width, photo.height = kept.get("size") or (None, None)
    files = {key: name for key, name in kept.items() if key in ("image", *RENDITIONS)}
    gone = ValidationError(_("A kept photo has gone: please choose it again."), code="gone")
    for key, name in files.items():
        if not name.startswith(f"{KEPT_DIR}/"):
            continue
        if not default_storage.exists(name):
            raise gone
        with default_storage.open(name) as content:
            getattr(photo, key).save(name.rsplit("/", 1)[-1], content, save=False)
        stored.append(getattr(photo, key).name)
    if not photo.image:
        raise gone
    transaction.on_commit(lambda: delete_names(files.values()))
    return stored
