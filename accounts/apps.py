from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _

from accounts.checks import site_url_check


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        checks.register(site_url_check)
        # Importing the receivers connects them; they need the models, which
        # load only once the app registry is ready, so here.
        from accounts import receivers  # noqa: F401, PLC0415
