"""Hostile files sent as photos with the submission form: each is turned away
with a message that names it, or, if it holds a usable picture, stored as
that picture alone. Nothing else of an upload is ever stored: no row, no
file, no metadata, no bytes after the image's end."""

import io
import random
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.test.client import encode_multipart
from django.urls import reverse
from PIL import Image, ImageCms, PngImagePlugin

from initiatives.catalogue import photos
from initiatives.models import Initiative, InitiativeImage, InitiativeRevision, RevisionImage
from tests.factories import make_initiative
from tests.submission_forms import GPS_IFD, form_data, gps_exif, jpeg_bytes, verified_user

pytestmark = pytest.mark.django_db

SUBMIT_URL = reverse("initiatives:submit")
SCRIPT = b"<script>alert(document.cookie)</script>"
XMP_WITH_GPS = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,27.5N" '
    b'exif:GPSLongitude="2,35.25W"/></rdf:RDF></x:xmpmeta>'
)


# Building files -----------------------------------------------------------


def picture(size=(800, 600), mode="RGB", colour=(40, 120, 90)) -> Image.Image:
    return Image.new(mode, size, colour)


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noisy(fmt: str, size=(600, 400)) -> bytes:
    """An image with detail in it, so that half of the file is half of the picture."""
    pixels = random.Random(1).randbytes(size[0] * size[1] * 3)
    return encoded(Image.frombytes("RGB", size, pixels), fmt)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG of a few dozen bytes whose header claims width × height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header claims width × height pixels."""
    content = bytearray(jpeg_bytes(size=(16, 16)))
    frame = content.find(b"\xff\xc0")
    content[frame + 5 : frame + 9] = struct.pack(">HH", height, width)
    return bytes(content)


def upload(content: bytes, name: str, content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


# Reading back what was stored ---------------------------------------------


def stored_files() -> list[Path]:
    """Every file under MEDIA_ROOT, kept photos included."""
    root = Path(django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def open_image(path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


def image_end(raw: bytes, fmt: str) -> int:
    """Where the image data of `raw` ends, by the format's own structure."""
    if fmt == "JPEG":
        return raw.rindex(b"\xff\xd9") + 2
    if fmt == "PNG":
        return raw.rindex(b"IEND") + 8  # the chunk's type, then its CRC
    assert raw[:4] == b"RIFF" and raw[8:12] == b"WEBP"
    return 8 + struct.unpack("<I", raw[4:8])[0]


def assert_only_the_picture(path, *payloads: bytes):
    """The stored file is an image with no metadata, nothing after its end,
    and none of `payloads` anywhere in it."""
    raw = Path(path).read_bytes()
    image = open_image(path)
    assert image.format in ("JPEG", "PNG", "WEBP")
    assert image_end(raw, image.format) == len(raw), f"{path.name}: bytes after the image"
    assert len(image.getexif()) == 0
    assert image.getexif().get_ifd(GPS_IFD) == {}
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile"):
        assert key not in image.info, f"{path.name} keeps {key}"
    for marker in (b"Exif", b"GPS", b"Acme", b"xmpmeta", b"<script", *payloads):
        assert marker not in raw, f"{path.name} keeps {marker!r}"
    assert not zipfile.is_zipfile(path)


# Posting the form ---------------------------------------------------------


@pytest.fixture
def submitter(client):
    user = verified_user()
    client.force_login(user)
    return user


@pytest.fixture
def post(client, submitter, england, theme):
    """POST the submission form with one photo (and any other overrides)."""

    def post(image, url=SUBMIT_URL, **overrides):
        data = form_data(themes=[theme], place="England", **overrides)
        data["photo-0-image"] = image
        data["photo-0-alt_text"] = "The community garden"
        return client.post(url, data)

    return post


def assert_turned_away(response, message):
    """The form is shown again with `message`, in the error summary too,
    and nothing of the submission or its photo was stored."""
    assert response.status_code == 400
    content = response.content.decode()
    assert re.search(r'<a href="#id_photo-0-image">Photo 1: [^<]*' + re.escape(message), content), (
        f"{message!r} is not in the error summary"
    )
    assert not Initiative.objects.exists()
    assert not InitiativeImage.objects.exists()
    assert not RevisionImage.objects.exists()
    assert stored_files() == []


NOT_A_PHOTO = "is not a photo we can use: choose a JPEG, PNG or WebP image."
UNREADABLE = "could not be read: the file may be damaged or incomplete."
TOO_MANY_PIXELS = "has too many pixels: a photo can be at most 25 megapixels."
NOT_NAMED_AS_A_PHOTO = "is not named as a photo: its name must end in .jpg, .jpeg, .png or .webp."

HOSTILE_FILES = {
    "PNG claiming 100,000 × 100,000 pixels, beyond Pillow's own limit": (
        lambda: upload(png_claiming(100_000, 100_000), "bomb.png", "image/png"),
        f"“bomb.png” {TOO_MANY_PIXELS}",
    ),
    "PNG claiming 6,000 × 5,000 pixels, beyond our limit": (
        lambda: upload(png_claiming(6000, 5000), "bomb.png", "image/png"),
        f"“bomb.png” {TOO_MANY_PIXELS}",
    ),
    "JPEG claiming 65,000 × 65,000 pixels": (
        lambda: upload(jpeg_claiming(65_000, 65_000), "bomb.jpg"),
        f"“bomb.jpg” {TOO_MANY_PIXELS}",
    ),
    "truncated JPEG": (
        lambda: upload(noisy("JPEG")[:6000], "cut.jpg"),
        f"“cut.jpg” {UNREADABLE}",
    ),
    "truncated PNG": (
        lambda: upload(noisy("PNG")[:6000], "cut.png", "image/png"),
        f"“cut.png” {UNREADABLE}",
    ),
    "SVG with a script, named .png": (
        lambda: upload(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' + SCRIPT + b"</svg>",
            "drawing.png",
            "image/png",
        ),
        f"“drawing.png” {NOT_A_PHOTO}",
    ),
    "SVG named .jpg": (
        lambda: upload(
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "drawing.jpg",
        ),
        f"“drawing.jpg” {NOT_A_PHOTO}",
    ),
    "HTML named .jpg": (
        lambda: upload(b"<!doctype html><html><body>" + SCRIPT + b"</body></html>", "page.jpg"),
        f"“page.jpg” {NOT_A_PHOTO}",
    ),
    "GIF whose comment is a script, named .jpg": (
        lambda: upload(
            encoded(picture((40, 30), "P", 1), "GIF", comment=b"*/=alert(1)//" + SCRIPT),
            "polyglot.jpg",
        ),
        f"“polyglot.jpg” {NOT_A_PHOTO}",
    ),
    "a real PNG named .exe": (
        lambda: upload(encoded(picture((300, 200)), "PNG"), "setup.exe", "image/png"),
        f"“setup.exe” {NOT_NAMED_AS_A_PHOTO}",
    ),
    "a real JPEG named .gif": (
        lambda: upload(jpeg_bytes(), "photo.gif", "image/gif"),
        f"“photo.gif” {NOT_NAMED_AS_A_PHOTO}",
    ),
    "a real JPEG named .jpg.php": (
        lambda: upload(jpeg_bytes(), "photo.jpg.php", "application/x-php"),
        f"“photo.jpg.php” {NOT_NAMED_AS_A_PHOTO}",
    ),
    "a real JPEG with no extension": (
        lambda: upload(jpeg_bytes(), "photo"),
        f"“photo” {NOT_NAMED_AS_A_PHOTO}",
    ),
    "an empty file": (
        lambda: upload(b"", "empty.jpg"),
        "The submitted file is empty.",
    ),
}


@pytest.mark.parametrize("make_file, message", HOSTILE_FILES.values(), ids=list(HOSTILE_FILES))
def test_a_hostile_file_is_turned_away_and_nothing_is_stored(post, make_file, message):
    response = post(make_file())

    assert_turned_away(response, message)


@pytest.mark.parametrize(
    "make_file, message",
    [HOSTILE_FILES[case] for case in ("SVG named .jpg", "a real PNG named .exe")],
    ids=["SVG", "wrong extension"],
)
def test_nothing_is_kept_of_a_hostile_file_while_another_error_is_fixed(post, make_file, message):
    response = post(make_file(), title="")

    assert "Enter the name of the initiative." in response.content.decode()
    assert "We kept the photo you chose." not in response.content.decode()
    assert_turned_away(response, message)


def test_a_file_name_with_markup_is_shown_as_text(post):
    name = '<img src=x onerror="alert(1)">.svg'

    response = post(upload(b"<svg/onload=alert(1)>", name, "image/svg+xml"))

    assert response.status_code == 400
    content = response.content.decode()
    assert "<img src=x" not in content
    assert "“&lt;img src=x onerror=&quot;alert(1)&quot;&gt;.svg” is not a photo" in content
    assert stored_files() == []


def test_a_hostile_file_in_an_edit_is_turned_away_and_nothing_is_stored(
    post, submitter, england, theme
):
    initiative = make_initiative(
        "Hartcliffe tool library", places=[england], themes=[theme], submitted_by=submitter
    )
    edit_url = reverse("initiatives:submission-edit", args=[initiative.pk])
    make_file, message = HOSTILE_FILES["SVG with a script, named .png"]

    response = post(make_file(), url=edit_url)

    assert response.status_code == 400
    assert re.search(
        r'href="#id_photo-0-image">Photo 1: [^<]*' + re.escape(message),
        response.content.decode(),
    )
    assert not InitiativeRevision.objects.exists()
    assert not RevisionImage.objects.exists()
    assert not InitiativeImage.objects.exists()
    assert stored_files() == []


# 50 MB ---------------------------------------------------------------------


class StreamedBody(io.RawIOBase):
    """A request body read from parts (bytes, or open files) in turn, as a
    server reads it from the network: the test never holds it in memory."""

    def __init__(self, *parts):
        self.parts = [io.BytesIO(p) if isinstance(p, bytes) else p for p in parts]
        self.bytes_read = 0

    def readable(self):
        return True

    def read(self, size=-1):
        chunks = []
        while self.parts and (size < 0 or size > 0):
            chunk = self.parts[0].read(size)
            if not chunk:
                self.parts.pop(0)
                continue
            chunks.append(chunk)
            size -= len(chunk) if size > 0 else 0
        data = b"".join(chunks)
        self.bytes_read += len(data)
        return data


def test_a_50_mb_file_is_turned_away_and_at_most_the_limit_of_it_is_written(
    client, submitter, england, theme, tmp_path, monkeypatch, settings
):
    # A real JPEG at the start of a sparse 50 MB file: it costs no memory
    # and next to no disk.
    big = tmp_path / "big.jpg"
    with big.open("wb") as f:
        f.write(jpeg_bytes())
        f.truncate(50 * 1024 * 1024)
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-temp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    written = []
    receive = TemporaryFileUploadHandler.receive_data_chunk
    monkeypatch.setattr(
        TemporaryFileUploadHandler,
        "receive_data_chunk",
        lambda self, raw, start: written.append(len(raw)) or receive(self, raw, start),
    )
    boundary = "hostile-upload-boundary"
    fields = form_data(themes=[theme], place="England", **{"photo-0-alt_text": "A garden"})
    head = encode_multipart(boundary, fields).removesuffix(f"--{boundary}--\r\n".encode())
    head += (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="photo-0-image"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    length = len(head) + big.stat().st_size + len(tail)

    with big.open("rb") as content:
        response = client.generic(
            "POST",
            SUBMIT_URL,
            **{
                "wsgi.input": StreamedBody(head, content, tail),
                "CONTENT_LENGTH": str(length),
                "CONTENT_TYPE": f"multipart/form-data; boundary={boundary}",
            },
        )

    assert_turned_away(response, "“big.jpg” is 50.0\xa0MB: a photo can be at most 8.0\xa0MB.")
    # Django's own settings do not bound an uploaded file (FILE_UPLOAD_MAX_
    # MEMORY_SIZE only chooses memory or disk, DATA_UPLOAD_MAX_MEMORY_SIZE
    # leaves files out): photos.UploadLimit stops writing it at the limit.
    assert 0 < sum(written) <= photos.MAX_BYTES
    assert list(settings.FILE_UPLOAD_TEMP_DIR.iterdir()) == []


def test_the_size_limit_is_checked_before_the_file_is_read():
    class Unreadable(UploadedFile):
        def read(self, *args):
            raise AssertionError("the file was read")

        seek = read

    too_big = Unreadable(io.BytesIO(), "big.jpg", "image/jpeg", size=50 * 1024 * 1024)

    with pytest.raises(ValidationError) as caught:
        photos.process(too_big)

    assert caught.value.code == "too_large"


def test_the_csrf_check_still_guards_the_forms_that_take_photos(submitter, england, theme):
    initiative = make_initiative(
        "Hartcliffe tool library", places=[england], themes=[theme], submitted_by=submitter
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(submitter)
    data = form_data(themes=[theme], place="England")
    data |= {"photo-0-image": upload(jpeg_bytes(), "p.jpg"), "photo-0-alt_text": "A shed"}
    edit_url = reverse("initiatives:submission-edit", args=[initiative.pk])

    for url in (SUBMIT_URL, edit_url):
        data["photo-0-image"].seek(0)
        assert browser.post(url, data).status_code == 403

    browser.get(SUBMIT_URL)
    data["csrfmiddlewaretoken"] = browser.cookies["csrftoken"].value
    data["photo-0-image"].seek(0)
    response = browser.post(SUBMIT_URL, data)

    assert response.status_code == 302
    assert Initiative.objects.count() == 2
    assert not InitiativeRevision.objects.exists()


# Accepted, and stored as the picture alone ---------------------------------


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("index.html", b"<html>" + SCRIPT + b"</html>")
    return out.getvalue()


def png_with_text() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SCRIPT.decode())
    info.add_itxt("XML:com.adobe.xmp", XMP_WITH_GPS.decode())
    return encoded(picture((800, 600)), "PNG", pnginfo=info)


CLEANED_FILES = {
    "JPEG with a script after its end": (
        lambda: upload(jpeg_bytes(size=(800, 600)) + SCRIPT, "trick.jpg"),
        "JPEG",
    ),
    "PNG with HTML after its end": (
        lambda: upload(encoded(picture(), "PNG") + b"<html>" + SCRIPT, "trick.png", "image/png"),
        "PNG",
    ),
    "WebP with a script after its end": (
        lambda: upload(encoded(picture(), "WEBP") + SCRIPT, "trick.webp", "image/webp"),
        "WEBP",
    ),
    "JPEG with a ZIP archive after its end": (
        lambda: upload(jpeg_bytes(size=(800, 600)) + zip_archive(), "archive.jpg"),
        "JPEG",
    ),
    "JPEG whose comment is a script": (
        lambda: upload(encoded(picture(), "JPEG", comment=SCRIPT), "comment.jpg"),
        "JPEG",
    ),
    "PNG whose text chunks hold a script and an XMP position": (
        lambda: upload(png_with_text(), "text.png", "image/png"),
        "PNG",
    ),
    "JPEG whose colour profile is a script": (
        lambda: upload(encoded(picture(), "JPEG", icc_profile=SCRIPT * 20), "profile.jpg"),
        "JPEG",
    ),
    "JPEG with GPS in its EXIF and its XMP": (
        lambda: upload(
            encoded(picture((2000, 1500)), "JPEG", exif=gps_exif(), xmp=XMP_WITH_GPS),
            "gps.jpg",
        ),
        "JPEG",
    ),
    "PNG with GPS in its EXIF": (
        lambda: upload(
            encoded(picture((1600, 1200)), "PNG", exif=gps_exif()), "gps.png", "image/png"
        ),
        "PNG",
    ),
    "WebP with GPS in its EXIF and its XMP": (
        lambda: upload(
            encoded(picture((1600, 1200)), "WEBP", exif=gps_exif(), xmp=XMP_WITH_GPS),
            "gps.webp",
            "image/webp",
        ),
        "WEBP",
    ),
    "MPO (a camera's JPEG with a second picture) with GPS": (
        lambda: upload(
            encoded(
                picture((1600, 1200)),
                "MPO",
                save_all=True,
                append_images=[picture((1600, 1200), colour=(200, 0, 0))],
                exif=gps_exif(),
            ),
            "camera.jpg",
        ),
        "JPEG",
    ),
}


@pytest.mark.parametrize("make_file, fmt", CLEANED_FILES.values(), ids=list(CLEANED_FILES))
def test_a_usable_picture_is_stored_without_anything_else_of_the_file(post, make_file, fmt):
    sent = make_file()

    response = post(sent)

    assert response.status_code == 302
    photo = InitiativeImage.objects.get()
    # The picture itself survives, in the format it was sent in.
    original = open_image(photo.image.path)
    assert original.format == fmt
    assert original.size == open_image(io.BytesIO(sent.open().read())).size
    assert original.getpixel((10, 10))[:3] == pytest.approx((40, 120, 90), abs=4)
    # Every file stored for it, renditions too, is the picture and nothing else.
    files = stored_files()
    assert {Path(f.path) for f in photo.files()} == set(files)
    for path in files:
        assert_only_the_picture(path, b"alert")


def test_a_kept_photo_holds_no_position_either(post):
    gps_photo = encoded(picture((2000, 1500)), "JPEG", exif=gps_exif(), xmp=XMP_WITH_GPS)

    response = post(upload(gps_photo, "gps.jpg"), title="")

    assert response.status_code == 400
    assert "We kept the photo you chose." in response.content.decode()
    kept = stored_files()
    assert len(kept) == 3  # the photo, its card and its large rendition
    for path in kept:
        assert "uploads/kept/" in path.as_posix()
        assert_only_the_picture(path)


def test_a_photo_with_a_real_colour_profile_keeps_its_colours():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    sent = encoded(picture((300, 200)), "PNG", icc_profile=srgb)

    processed = photos.process(upload(sent, "profiled.png", "image/png"))

    stored = open_image(io.BytesIO(processed.image.read()))
    assert "icc_profile" not in stored.info
    assert stored.getpixel((10, 10)) == pytest.approx((40, 120, 90), abs=2)
