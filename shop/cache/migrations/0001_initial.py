from django.db import migrations, models


class Migration(migrations.Migration):
    """Take over the outbox table from the shop app (state only), then add the alias and its index."""

    initial = True

    dependencies = [("shop", "0002_outbox_fence_token")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CacheInvalidation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("tags", models.JSONField()),
                        ("fence_token", models.CharField(blank=True, max_length=32)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                    ],
                    options={"ordering": ["id"], "db_table": "shop_cacheinvalidation"},
                )
            ]
        ),
        migrations.AddField(
            model_name="cacheinvalidation",
            name="alias",
            field=models.CharField(default="default", max_length=40),
        ),
        migrations.AddIndex(
            model_name="cacheinvalidation",
            index=models.Index(fields=["alias", "id"], name="cacheinvalidation_alias_idx"),
        ),
    ]
