"""Delete what has passed its retention period (the privacy page's table);
the scheduler runs the same job each night."""

from django.core.management.base import BaseCommand

from initiatives.privacy import services


class Command(BaseCommand):
    help = "Delete personal data that has passed its retention period."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        done = services.apply_retention(dry_run=dry_run)
        for label, count in done.items():
            if count or options["verbosity"] > 1:
                verb = "would go" if dry_run else "deleted"
                self.stdout.write(f"{label}: {count} {verb}")
