import sqlite3

from django.db import migrations

# On SQLite, full-text search runs on an FTS5 table with the porter stemmer
# (catalogue/search_sqlite.py), one row per initiative, its rowid the
# initiative's id. It is no model: Django neither dumps nor flushes it, and
# search.refresh_search_vectors() fills it, as it fills PostgreSQL's vectors.
# An SQLite without FTS5 goes without, and search matches plainly.
CREATE = """
CREATE VIRTUAL TABLE IF NOT EXISTS initiative_search_fts USING fts5(
    title, summary, description, places, themes, organisations,
    tokenize='porter unicode61 remove_diacritics 2'
)
"""
FILL = """
INSERT INTO initiative_search_fts
    (rowid, title, summary, description, places, themes, organisations)
SELECT i.id, i.title, i.summary, i.description || ' ' || i.how_to_adapt,
    (SELECT group_concat(x.name, ' ') FROM (SELECT n.name FROM initiatives_initiativeplace l
        JOIN communities_place n ON n.id = l.place_id
        WHERE l.initiative_id = i.id ORDER BY n.name) x),
    (SELECT group_concat(x.name, ' ') FROM (SELECT n.name FROM initiatives_initiative_themes l
        JOIN initiatives_theme n ON n.id = l.theme_id
        WHERE l.initiative_id = i.id ORDER BY n.name) x),
    (SELECT group_concat(x.name, ' ') FROM (SELECT n.name
        FROM initiatives_initiativeorganisation l
        JOIN communities_organisation n ON n.id = l.organisation_id
        WHERE l.initiative_id = i.id ORDER BY n.name) x)
FROM initiatives_initiative i
"""
DROP = "DROP TABLE IF EXISTS initiative_search_fts"


def has_fts5():
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite" and has_fts5():
        schema_editor.execute(CREATE)
        # What is already there (a site upgraded with initiatives in it).
        schema_editor.execute(FILL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0016_scheduled_run"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
