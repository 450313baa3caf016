"""Helpers for tests that post the submission form."""

import io
import time

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from PIL import ExifTags, Image

from initiatives.abuse import form_started_token


def verified_user(email="verified@example.org", password="a-long-password-1"):
    user = get_user_model().objects.create_user(email, password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def jpeg_bytes(size=(800, 600), colour=(40, 120, 90), exif=None, fmt="JPEG"):
    out = io.BytesIO()
    options = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, colour).save(out, fmt, **options)
    return out.getvalue()


# EXIF tags: the GPS block, and the camera's make.
GPS_IFD = 0x8825
MAKE = 0x010F


def gps_exif() -> Image.Exif:
    """EXIF as a phone writes it: the camera's make and where the photo was taken."""
    exif = Image.Exif()
    exif[MAKE] = "Acme Camera Co"
    exif[GPS_IFD] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 27.0, 30.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (2.0, 35.0, 15.0),
    }
    return exif


def form_data(*, themes, place, seconds_ago=10, **overrides):
    """A valid submission as the form posts it; the form was shown
    `seconds_ago` seconds before (a person takes more than 3)."""

    data = {
        "title": "Hartcliffe tool library",
        "summary": "Residents lend each other tools from a shed by the community centre.",
        "description": "Open on Saturdays; run by volunteers; free for everyone.",
        "how_to_adapt": "Start with donated tools and a lockable shed.",
        "themes": [str(t.pk) for t in themes],
        "place": place,
        "activity_status": "active",
        "form_started": form_started_token(time.time() - seconds_ago),
        "fax_number": "",
        "org-TOTAL_FORMS": "3",
        "org-INITIAL_FORMS": "0",
        "org-MIN_NUM_FORMS": "0",
        "org-MAX_NUM_FORMS": "10",
        "photo-TOTAL_FORMS": "5",
        "photo-INITIAL_FORMS": "0",
        "photo-MIN_NUM_FORMS": "0",
        "photo-MAX_NUM_FORMS": "5",
    }
    for n in range(3):
        data[f"org-{n}-role"] = "lead"
    data.update(overrides)
    return data


def with_second_factor(user):
    """Staff open their pages only with an authenticator app set up
    (initiatives.permissions.needs_second_factor): one, set up as allauth does."""
    TOTP.activate(user, generate_totp_secret())
    return user


def staff_member(email, group):
    """A member of staff with a confirmed address and a second factor, in
    one of the role groups."""

    user = verified_user(email)
    user.is_staff = True
    user.save()
    user.groups.add(Group.objects.get(name=group))
    return with_second_factor(user)
