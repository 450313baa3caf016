from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0014_fill_decision_item"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="moderationdecision",
            constraint=models.CheckConstraint(
                condition=models.Q(("item_id__isnull", False), ("item_type__isnull", False)),
                name="decision_names_item",
            ),
        ),
    ]
