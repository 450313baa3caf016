import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_undeliverable_address"),
    ]

    operations = [
        migrations.CreateModel(
            name="OutgoingEmail",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("to", models.JSONField(default=list, verbose_name="to")),
                ("subject", models.CharField(max_length=998, verbose_name="subject")),
                ("body", models.TextField(verbose_name="text")),
                ("html", models.TextField(blank=True, verbose_name="HTML")),
                ("headers", models.JSONField(blank=True, default=dict, verbose_name="headers")),
                ("kind", models.CharField(blank=True, max_length=60, verbose_name="kind")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="created")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent")),
                ("attempts", models.PositiveIntegerField(default=0, verbose_name="attempts")),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="next attempt")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("failed_at", models.DateTimeField(blank=True, null=True, verbose_name="failed")),
            ],
            options={
                "verbose_name": "outgoing email",
                "verbose_name_plural": "outgoing emails",
                "ordering": ["-created_at", "-pk"],
                "indexes": [
                    models.Index(condition=models.Q(("failed_at__isnull", True), ("sent_at__isnull", True)), fields=["next_attempt_at"], name="accounts_email_pending_idx"),
                    models.Index(condition=models.Q(("failed_at__isnull", False)), fields=["-failed_at"], name="accounts_email_failed_idx"),
                ],
            },
        ),
    ]
