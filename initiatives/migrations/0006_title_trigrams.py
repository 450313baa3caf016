from django.db import migrations

# Trigram similarity finds initiatives with similar titles (the similar
# initiatives a submitter is shown, and possible duplicates for moderators).
# pg_trgm is a trusted extension: the database's owner may create it. SQLite
# has no trigrams, and compares words instead.
CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS initiative_title_trgm_idx "
    "ON initiatives_initiative USING gin (title gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS initiative_title_trgm_idx"]


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0005_submissions"),
    ]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP)),
    ]
