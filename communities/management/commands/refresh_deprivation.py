"""Count each place's postcodes by deprivation decile again (import_postcodes
does it at its end): after places gain GSS codes, say."""

from django.core.management.base import BaseCommand

from communities import deprivation


class Command(BaseCommand):
    help = "Store how deprived each place's postcodes are, from the imported ONSPD."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count, and say what would change."
        )

    def handle(self, *args, dry_run, verbosity, **options):
        result = deprivation.refresh(dry_run=dry_run)
        if verbosity:
            would = "would change" if dry_run else "changed"
            self.stdout.write(
                f"{result['covered']:,} places have deprivation data; "
                f"{result['changed']:,} {would}."
            )
