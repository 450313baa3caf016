"""Photos from the public: checked, stripped of their metadata, resized.

A photo is accepted only if Pillow opens it as JPEG, PNG or WebP, within
MAX_BYTES and MAX_PIXELS, and its name ends as a photo's does. What is stored
is re-encoded from the pixels alone (in sRGB), so nothing of the uploaded
file survives but the picture: no EXIF (GPS above all), no XMP, no comments,
no colour profile, nothing appended after the image data.
"""

import io
import secrets
import warnings
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 25_000_000
MAX_PHOTOS = 5
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# What an uploaded photo's name may end in. The name decides nothing of how
# it is stored, but a photo named "setup.exe" or "photo.jpg.php" is not one.
NAME_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
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
            _stem, dot, extension = (getattr(upload, "name", "") or "").rpartition(".")
            if not dot or extension.lower() not in NAME_EXTENSIONS:
                raise _reject(
                    _(
                        "“%(name)s” is not named as a photo: its name must end in "
                        ".jpg, .jpeg, .png or .webp."
                    ),
                    name,
                    "wrong_extension",
                )
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


_SRGB = ImageCms.createProfile("sRGB")


def _in_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The pixels converted from the upload's colour profile to sRGB, which
    is what browsers assume of an image without one. The profile itself is
    not stored: it is bytes of the sender's choosing (a script, a camera's
    serial number) that no check of the picture sees."""
    if not icc_profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, profile, _SRGB)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # Not a profile that can be used: the pixels as they are.


def _clean_pixels(image: Image.Image) -> Image.Image:
    """The picture upright and in sRGB, as a new image that carries no metadata."""
    upright = ImageOps.exif_transpose(image)
    if upright.mode not in ("RGB", "RGBA", "L"):
        has_alpha = "A" in upright.getbands() or "transparency" in upright.info
        upright = upright.convert("RGBA" if has_alpha else "RGB")
    upright = _in_srgb(upright, image.info.get("icc_profile"))
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    return clean


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image = image.convert("RGB") if image.mode != "L" else image
        image.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, "WEBP", quality=85, method=4)
    else:
        image.save(out, "PNG", optimize=True)
    return out.getvalue()


def process(upload) -> ProcessedPhoto:
    """Check an uploaded photo and prepare what is stored of it."""
    image = open_checked(upload)
    # A camera's MPO is a JPEG with more pictures after the first: the first is kept.
    fmt = "JPEG" if image.format == "MPO" else image.format
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
            _encode(smaller, rendition_format),
            name=f"{stem}-{key}.{EXTENSIONS[rendition_format]}",
        )
    return ProcessedPhoto(
        image=ContentFile(_encode(clean, fmt), name=f"{stem}.{EXTENSIONS[fmt]}"),
        renditions=renditions,
        width=clean.width,
        height=clean.height,
    )


class UploadLimit(FileUploadHandler):
    """Stops keeping an uploaded file once it passes MAX_BYTES.

    Django writes all of an upload to a temporary file before a form sees it,
    and none of its settings bounds a file (FILE_UPLOAD_MAX_MEMORY_SIZE only
    chooses between memory and disk; DATA_UPLOAD_MAX_MEMORY_SIZE leaves files
    out). Here the rest of a file that is too large is read and dropped, and
    the form gets an empty stand-in of the file's size, which open_checked
    turns away.
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.too_large = self.too_large or start + len(raw_data) > MAX_BYTES
        # None: the handlers after this one (memory, temporary file) get no more of it.
        return None if self.too_large else raw_data

    def file_complete(self, file_size):
        if not self.too_large:
            return None
        for handler in self.request.upload_handlers:
            # What the next handlers kept of the file (a temporary file goes on close).
            if handler is not self and hasattr(handler, "file"):
                handler.file.close()
        return UploadedFile(io.BytesIO(), self.file_name, self.content_type, file_size)


def limit_upload_size(view):
    """Give `view` UploadLimit. Upload handlers must be in place before the
    request's body is read, and CsrfViewMiddleware reads it to check the
    token: so the view is exempt from the middleware's check and makes the
    same check itself, after adding the handler (as Django's documentation on
    upload handlers shows)."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def limited(request, *args, **kwargs):
        request.upload_handlers.insert(0, UploadLimit(request))
        return protected(request, *args, **kwargs)

    return limited


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

    for name in names:
        default_storage.delete(name)


# Photos sent with a form that has to be shown again (another field had an
# error) are kept, cleaned, under KEPT_DIR, so that the person need not
# choose them again. clear_kept_photos removes what is left there.
KEPT_DIR = "uploads/kept"


def keep(processed: ProcessedPhoto) -> dict:
    """Store a checked photo for a while; return its file names by field."""

    names = {"size": [processed.width, processed.height]}
    names |= {"image": default_storage.save(f"{KEPT_DIR}/{processed.image.name}", processed.image)}
    for key, content in processed.renditions.items():
        names[key] = default_storage.save(f"{KEPT_DIR}/{content.name}", content)
    return names


def remove_kept(older_than: timedelta = timedelta(days=1), *, dry_run: bool = False) -> int:
    """Remove kept photo files older than `older_than` (from forms never sent
    again); return how many there were. A scheduled job runs it daily."""

    cutoff = timezone.now() - older_than
    try:
        _dirs, files = default_storage.listdir(KEPT_DIR)
    except FileNotFoundError:
        files = []
    removed = 0
    for name in files:
        path = f"{KEPT_DIR}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            removed += 1
            if not dry_run:
                default_storage.delete(path)
    return removed


def attach_kept(photo, kept: dict[str, str]) -> list[str]:
    """Move a kept photo's files into the Photo instance `photo`."""

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
