"""Curators build collections; moderators handle reports."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Curators": [
        ("initiatives", "add_collection"),
        ("initiatives", "change_collection"),
        ("initiatives", "delete_collection"),
        ("initiatives", "view_collection"),
    ],
    "Moderators": [
        ("initiatives", "view_report"),
        ("initiatives", "change_report"),
    ],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codenames:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group = Group.objects.filter(name=name).first()
        if group:
            for app_label, codename in codenames:
                group.permissions.remove(
                    *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
                )


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0009_curation_reports_history"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
