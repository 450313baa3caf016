from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from PIL import Image


class InitiativesConfig(AppConfig):
    name = "initiatives"
    verbose_name = _("Initiatives")

    def ready(self):

        # Importing the receivers connects them. They import models, which
        # may be imported only once the app registry is ready, so here.
        from initiatives.browse import receivers  # noqa: F401, PLC0415
        from initiatives.catalogue import deprivation, photos, signals  # noqa: F401, PLC0415
        from initiatives.ops import caching  # noqa: F401, PLC0415

        # Pillow warns of a decompression bomb above this many pixels (and
        # photos.open_checked turns the warning into an error).
        Image.MAX_IMAGE_PIXELS = photos.MAX_PIXELS
