"""The staff roles, as groups with explicit permissions: moderators decide
what is published; curators feature initiatives, build collections and edit
places, organisations and themes."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Moderators": [
        ("initiatives", "moderate_initiative"),
        ("initiatives", "view_initiative"),
        ("initiatives", "change_initiative"),
    ],
    "Curators": [
        ("initiatives", "curate_initiative"),
        ("initiatives", "view_initiative"),
        ("initiatives", "change_initiative"),
        ("initiatives", "add_theme"),
        ("initiatives", "change_theme"),
        ("communities", "add_place"),
        ("communities", "change_place"),
        ("communities", "add_organisation"),
        ("communities", "change_organisation"),
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; these need them now.
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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0003_staff_permissions"),
        ("communities", "0002_gss_message"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
