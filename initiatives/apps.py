from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Initiatives")

    def ready(self):
        from PIL import Image

        # Importing the signals connects them; PLC0415: the app registry
        # must be ready before model modules are imported.
        from initiatives.catalogue import photos, signals  # noqa: F401

        # Pillow warns of a decompression bomb above this many pixels (and
        # photos.open_checked turns the warning into an error).
        Image.MAX_IMAGE_PIXELS = photos.MAX_PIXELS
