"""Email each confirmed alert the initiatives newly published for it.

Run it weekly from cron, for example on Mondays at 07:00:

    0 7 * * 1 python manage.py send_alert_digests

Each alert is sent only what was published since its last digest (or since
it was confirmed), and nothing is ever sent twice, even if two runs overlap.
An email that fails is tried again on the next run: the command then exits
with an error, so that the scheduler reports it. It also deletes alerts left
unconfirmed for longer than their link lasts.
"""

from django.core.management.base import BaseCommand, CommandError

from initiatives.alerts.services import send_digests


class Command(BaseCommand):
    help = "Email each confirmed alert the initiatives newly published for it (run weekly)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count the emails that would be sent, but send and change nothing.",
        )

    def handle(self, *args, dry_run, verbosity, **options):
        run = send_digests(dry_run=dry_run)
        if verbosity:
            if dry_run:
                self.stdout.write(
                    f"Would send {run.sent} digest email(s) and delete {run.expired} "
                    "unconfirmed alert(s)."
                )
            else:
                self.stdout.write(
                    f"Sent {run.sent} digest email(s); deleted {run.expired} unconfirmed alert(s)."
                )
        if run.failed:
            raise CommandError(
                f"{run.failed} digest email(s) could not be sent; they will be tried again "
                "on the next run."
            )
