"""Every decision written before 0013 names its item: a proposed edit's
decision names the edit, any other the initiative.

Kept apart from 0013 and 0015: on PostgreSQL, a table whose rows were updated
in a transaction cannot be altered in the same one (pending trigger events)."""

from django.db import migrations
from django.db.models import F


def fill_items(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ModerationDecision = apps.get_model("initiatives", "ModerationDecision")
    alias = schema_editor.connection.alias
    decisions = ModerationDecision.objects.using(alias)
    if not decisions.exists():
        return
    types = ContentType.objects.db_manager(alias)
    initiative, _ = types.get_or_create(app_label="initiatives", model="initiative")
    revision, _ = types.get_or_create(app_label="initiatives", model="initiativerevision")
    decisions.filter(item_type=None, revision=None).update(
        item_type=initiative, item_id=F("initiative_id")
    )
    decisions.filter(item_type=None).exclude(revision=None).update(
        item_type=revision, item_id=F("revision_id")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("initiatives", "0013_decision_item"),
    ]

    operations = [migrations.RunPython(fill_items, migrations.RunPython.noop)]
