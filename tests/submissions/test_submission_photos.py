"""Photos sent with the submission form: checked, stripped of their metadata
(GPS above all), resized; anything that is not a usable photo is turned away
with a message and leaves no file behind."""

import io
import random
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from initiatives.catalogue import photos
from initiatives.models import Initiative, InitiativeImage
from tests.submission_forms import GPS_IFD, MAKE, form_data, gps_exif, jpeg_bytes, verified_user

pytestmark = pytest.mark.django_db

SUBMIT_URL = reverse("initiatives:submit")
ORIENTATION = 0x0112


# Building files -----------------------------------------------------------


def image_bytes(size=(400, 300), *, mode="RGB", colour=(40, 120, 90), fmt="PNG", **options):
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, fmt, **options)
    return out.getvalue()


def noisy_jpeg(size=(600, 400)) -> bytes:
    """A JPEG with detail in it (so that half of it is half of the picture)."""
    pixels = random.Random(1).randbytes(size[0] * size[1] * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(out, "JPEG", quality=90)
    return out.getvalue()


def half_of(content: bytes) -> bytes:
    return content[: len(content) // 2]


def decompression_bomb() -> bytes:
    """30 megapixels (above the 25 MP limit) in a few kilobytes."""
    out = io.BytesIO()
    Image.new("1", (6000, 5000), 0).save(out, "PNG", optimize=True)
    return out.getvalue()


def upload(content: bytes, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root=None) -> list[Path]:
    """Every file under MEDIA_ROOT (none if the directory was never made)."""
    root = Path(root or django_settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def open_image(path) -> Image.Image:
    image = Image.open(path)
    image.load()
    return image


# Posting the form ---------------------------------------------------------


@pytest.fixture
def submitter(client):
    user = verified_user()
    client.force_login(user)
    return user


@pytest.fixture
def post(client, submitter, england, theme):
    """POST the submission form with `photo-N-*` rows and any other overrides."""

    def post(rows=(), **overrides):
        data = form_data(themes=[theme], place="England", **overrides)
        for n, row in enumerate(rows):
            if row.get("image") is not None:
                data[f"photo-{n}-image"] = row["image"]
            data[f"photo-{n}-alt_text"] = row.get("alt_text", "")
            if row.get("kept"):
                data[f"photo-{n}-kept"] = row["kept"]
        return client.post(SUBMIT_URL, data)

    return post


def test_gps_and_camera_details_are_removed_and_renditions_made(post):
    original = jpeg_bytes(size=(2000, 1500), exif=gps_exif())
    # The file as sent really does carry the GPS position and the camera.
    with Image.open(io.BytesIO(original)) as sent:
        assert sent.getexif().get_ifd(GPS_IFD)
        assert sent.getexif()[MAKE] == "Acme Camera Co"

    response = post([{"image": upload(original), "alt_text": "Volunteers mending a bike"}])

    initiative = Initiative.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("initiatives:submit-review", args=[initiative.pk])
    photo = initiative.images.get()
    assert photo.alt_text == "Volunteers mending a bike"
    assert (photo.width, photo.height) == (2000, 1500)

    stored = open_image(photo.image.path)
    assert stored.format == "JPEG"
    assert stored.size == (2000, 1500)
    assert "exif" not in stored.info
    assert len(stored.getexif()) == 0
    assert stored.getexif().get_ifd(GPS_IFD) == {}
    raw = Path(photo.image.path).read_bytes()
    assert b"Exif" not in raw
    assert b"Acme" not in raw

    card, large = open_image(photo.card.path), open_image(photo.large.path)
    assert card.size == (640, 480)
    assert large.size == (1280, 960)
    for rendition in (card, large):
        assert "exif" not in rendition.info
        assert len(rendition.getexif()) == 0


def test_a_photo_no_wider_than_a_card_has_no_renditions(post):
    response = post([{"image": upload(jpeg_bytes(size=(600, 400))), "alt_text": "A shed"}])

    assert response.status_code == 302
    photo = InitiativeImage.objects.get()
    assert not photo.card and not photo.large
    assert photo.card_url == photo.large_url == photo.image.url


BAD_FILES = {
    "decompression bomb": (
        lambda: upload(decompression_bomb(), "huge.png", "image/png"),
        "“huge.png” has too many pixels: a photo can be at most 25 megapixels.",
    ),
    "truncated JPEG": (
        lambda: upload(half_of(noisy_jpeg()), "half.jpg"),
        "“half.jpg” could not be read: the file may be damaged or incomplete.",
    ),
    "SVG": (
        lambda: upload(
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(1)</script></svg>",
            "drawing.svg",
            "image/svg+xml",
        ),
        "“drawing.svg” is not a photo we can use: choose a JPEG, PNG or WebP image.",
    ),
    "HTML named .jpg": (
        lambda: upload(b"<!doctype html><html><script>alert(1)</script></html>", "page.jpg"),
        "“page.jpg” is not a photo we can use: choose a JPEG, PNG or WebP image.",
    ),
    "GIF": (
        lambda: upload(image_bytes(fmt="GIF"), "animation.gif", "image/gif"),
        "“animation.gif” is not a photo we can use: choose a JPEG, PNG or WebP image.",
    ),
    "over 8 MB": (
        # A real JPEG, padded past the limit: the size alone turns it away.
        lambda: upload(jpeg_bytes() + b"\0" * photos.MAX_BYTES, "big.jpg"),
        "a photo can be at most 8.0\xa0MB.",
    ),
}


@pytest.mark.parametrize("make_file, message", BAD_FILES.values(), ids=list(BAD_FILES))
def test_a_file_that_is_not_a_usable_photo_is_turned_away(post, make_file, message):
    response = post([{"image": make_file(), "alt_text": "A photo"}])

    assert response.status_code == 400
    content = response.content.decode()
    assert message in content
    # Named in the error summary too, linked to the file field.
    assert re.search(r'href="#id_photo-0-image">Photo 1: [^<]*' + re.escape(message), content)
    assert not Initiative.objects.exists()
    assert stored_files() == []


def test_an_oversized_file_names_its_size_and_the_limit(post):
    payload = jpeg_bytes() + b"\0" * photos.MAX_BYTES
    assert len(payload) > 8 * 1024 * 1024

    response = post([{"image": upload(payload, "big.jpg"), "alt_text": "A photo"}])

    assert response.status_code == 400
    assert "“big.jpg” is 8.0\xa0MB: a photo can be at most 8.0\xa0MB." in response.content.decode()


def test_a_script_appended_to_a_jpeg_does_not_survive(post):
    payload = jpeg_bytes(size=(800, 600)) + b"<script>alert(1)</script>"
    # Pillow reads it as the valid JPEG that it is...
    assert open_image(io.BytesIO(payload)).format == "JPEG"

    response = post([{"image": upload(payload, "trick.jpg"), "alt_text": "A garden"}])

    # ...so it is accepted, but only the picture is stored.
    assert response.status_code == 302
    photo = InitiativeImage.objects.get()
    assert photo.card  # 800 px wide: a card rendition too.
    files = stored_files()
    assert {Path(f.path) for f in photo.files()} == set(files)
    for path in files:
        assert b"<script" not in path.read_bytes()


def test_the_format_is_decided_by_the_content_not_the_name(post):
    png = image_bytes(size=(300, 200), fmt="PNG")

    response = post([{"image": upload(png, "really-a-png.jpg"), "alt_text": "A poster"}])

    assert response.status_code == 302
    photo = InitiativeImage.objects.get()
    assert photo.image.name.endswith(".png")
    assert open_image(photo.image.path).format == "PNG"
    assert (photo.width, photo.height) == (300, 200)


def test_a_photo_needs_a_description(post):
    response = post([{"image": upload(jpeg_bytes()), "alt_text": "   "}])

    assert response.status_code == 400
    content = response.content.decode()
    assert (
        '<a href="#id_photo-0-alt_text">Photo 1: '
        "Describe the photo for people who cannot see it.</a>" in content
    )
    assert not Initiative.objects.exists()


def test_a_description_needs_a_photo(post):
    response = post([{}, {"alt_text": "A photo that was never chosen"}])

    assert response.status_code == 400
    content = response.content.decode()
    assert (
        '<a href="#id_photo-1-image">Photo 2: '
        "Choose a photo for this description, or clear it.</a>" in content
    )
    assert not Initiative.objects.exists()


def kept_token(response, n=0) -> str:
    match = re.search(
        rf'<input type="hidden" name="photo-{n}-kept" value="([^"]+)">', response.content.decode()
    )
    assert match, f"no kept photo in row {n}"
    return match.group(1)


def test_a_valid_photo_is_kept_while_another_error_is_fixed(
    post, django_capture_on_commit_callbacks
):
    photo_file = upload(jpeg_bytes(size=(1000, 750), exif=gps_exif()), "kept.jpg")

    response = post([{"image": photo_file, "alt_text": "The shed"}], title="")

    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter the name of the initiative." in content
    assert "We kept the photo you chose." in content
    token = kept_token(response)
    kept = stored_files()
    assert kept and all("uploads/kept/" in path.as_posix() for path in kept)
    assert not Initiative.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = post([{"kept": token, "alt_text": "The shed"}], title="Tool library")

    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert initiative.title == "Tool library"
    photo = initiative.images.get()
    assert photo.alt_text == "The shed"
    assert (photo.width, photo.height) == (1000, 750)
    assert photo.image.name.startswith("initiatives/")
    assert len(open_image(photo.image.path).getexif()) == 0
    assert open_image(photo.card.path).width == 640
    # The kept copies are gone once the photo has joined the initiative.
    assert not any(path.exists() for path in kept)
    assert set(stored_files()) == {Path(f.path) for f in photo.files()}


def test_a_kept_photo_cannot_be_claimed_by_someone_else(client, post, england, theme):
    response = post([{"image": upload(jpeg_bytes()), "alt_text": "Mine"}], title="")
    token = kept_token(response)

    client.force_login(verified_user("someone-else@example.org"))
    data = form_data(themes=[theme], place="England")
    data.update({"photo-0-kept": token, "photo-0-alt_text": "Mine now"})
    response = client.post(SUBMIT_URL, data)

    assert response.status_code == 400
    assert "Choose a photo for this description, or clear it." in response.content.decode()
    assert not Initiative.objects.exists()


def test_more_than_five_photos_cannot_be_sent(post):
    rows = [
        {"image": upload(jpeg_bytes(size=(40, 30)), f"p{n}.jpg"), "alt_text": f"Photo {n}"}
        for n in range(6)
    ]

    response = post(rows, **{"photo-TOTAL_FORMS": "6"})

    assert response.status_code == 400
    content = response.content.decode()
    assert re.search(r'href="#photos-fieldset">[^<]*at most 5', content)
    assert not Initiative.objects.exists()
    assert not InitiativeImage.objects.exists()


# photos.process on its own ------------------------------------------------


def test_a_transparent_png_stays_a_png_with_its_alpha():
    image = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    image.paste((200, 30, 30, 255), (0, 0, 400, 400))
    out = io.BytesIO()
    image.save(out, "PNG")

    processed = photos.process(upload(out.getvalue(), "logo.png", "image/png"))

    assert processed.image.name.endswith(".png")
    stored = open_image(io.BytesIO(processed.image.read()))
    assert (stored.format, stored.mode, stored.size) == ("PNG", "RGBA", (800, 400))
    assert stored.getpixel((700, 200))[3] == 0
    assert stored.getpixel((100, 200)) == (200, 30, 30, 255)
    # The card rendition keeps the transparency too.
    card = open_image(io.BytesIO(processed.renditions["card"].read()))
    assert (card.format, card.mode, card.size) == ("PNG", "RGBA", (640, 320))
    assert "large" not in processed.renditions


def test_a_palette_png_with_a_transparent_colour_keeps_it():
    image = Image.new("P", (200, 100), 0)
    image.putpalette([255, 255, 255, 10, 120, 60] + [0] * 762)
    image.paste(1, (0, 0, 100, 100))
    out = io.BytesIO()
    image.save(out, "PNG", transparency=0)

    processed = photos.process(upload(out.getvalue(), "palette.png", "image/png"))

    stored = open_image(io.BytesIO(processed.image.read()))
    assert stored.mode == "RGBA"
    assert stored.getpixel((150, 50))[3] == 0
    assert stored.getpixel((50, 50)) == (10, 120, 60, 255)


def test_a_webp_is_accepted_and_stays_webp():
    webp = image_bytes(size=(900, 600), fmt="WEBP", exif=gps_exif())

    processed = photos.process(upload(webp, "garden.webp", "image/webp"))

    assert processed.image.name.endswith(".webp")
    stored = open_image(io.BytesIO(processed.image.read()))
    assert stored.format == "WEBP"
    assert (processed.width, processed.height) == (900, 600)
    assert "exif" not in stored.info
    assert len(stored.getexif()) == 0
    assert open_image(io.BytesIO(processed.renditions["card"].read())).size == (640, 427)


def test_the_orientation_is_applied_then_removed():
    # 300 × 100, red on the left and blue on the right; a camera held
    # upright marks it "rotate 90° clockwise to show" (orientation 6).
    image = Image.new("RGB", (300, 100), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 150, 100))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=95)

    processed = photos.process(upload(out.getvalue(), "upright.jpg"))

    assert (processed.width, processed.height) == (100, 300)
    stored = open_image(io.BytesIO(processed.image.read()))
    assert stored.size == (100, 300)
    assert ORIENTATION not in stored.getexif()
    assert "exif" not in stored.info
    top, bottom = stored.getpixel((50, 20)), stored.getpixel((50, 280))
    assert top[0] > 200 and top[2] < 60  # red, rotated to the top
    assert bottom[2] > 200 and bottom[0] < 60  # blue at the bottom


def test_pillows_decompression_bomb_warning_is_an_error(monkeypatch):
    # Below our own limit but above Pillow's (lowered here): Pillow warns,
    # and the warning turns the photo away.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100_000)
    payload = image_bytes(size=(400, 300), mode="L", colour=0)

    with pytest.raises(ValidationError) as caught:
        photos.process(upload(payload, "bomb.png", "image/png"))

    assert caught.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    "make_file, code",
    [
        (lambda: upload(decompression_bomb(), "huge.png", "image/png"), "too_many_pixels"),
        (lambda: upload(noisy_jpeg()[:4000], "cut.jpg"), "unreadable"),
        (lambda: upload(image_bytes(fmt="GIF"), "a.gif", "image/gif"), "not_an_image"),
        (lambda: upload(b"\0" * (photos.MAX_BYTES + 1), "big.jpg"), "too_large"),
    ],
    ids=["too many pixels", "unreadable", "not an image", "too large"],
)
def test_process_names_the_problem(make_file, code):
    with pytest.raises(ValidationError) as caught:
        photos.process(make_file())

    assert caught.value.code == code


def test_a_kept_photo_that_has_gone_is_asked_for_again(post, django_capture_on_commit_callbacks):
    response = post([{"image": upload(jpeg_bytes()), "alt_text": "The shed"}], title="")
    token = kept_token(response)
    with django_capture_on_commit_callbacks(execute=True):
        first = post([{"kept": token, "alt_text": "The shed"}], title="Tool library")
    assert first.status_code == 302
    assert not any("uploads/kept/" in p.as_posix() for p in stored_files())

    # The same form sent again (the back button, a second click): the kept
    # files went with the first submission.
    response = post([{"kept": token, "alt_text": "The shed"}], title="Tool library")

    assert response.status_code == 400
    assert "A kept photo has gone: please choose it again." in response.content.decode()
    assert Initiative.objects.count() == 1
