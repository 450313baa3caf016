"""Moderators also decide who may act for an organisation (membership
requests), and see proposed places, organisations and edits."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = [
    ("communities", "view_membership"),
    ("communities", "change_membership"),
    ("initiatives", "view_initiativerevision"),
    ("initiatives", "view_proposedplace"),
    ("initiatives", "view_proposedorganisation"),
]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    for app_label, codename in PERMISSIONS:
        moderators.permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    moderators = Group.objects.filter(name="Moderators").first()
    if moderators:
        for app_label, codename in PERMISSIONS:
            moderators.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0006_title_trigrams"),
        ("communities", "0003_membership"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
