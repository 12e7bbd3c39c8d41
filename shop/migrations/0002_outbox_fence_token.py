from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="cacheinvalidation",
            name="fence_token",
            field=models.CharField(blank=True, max_length=32),
        ),
    ]
