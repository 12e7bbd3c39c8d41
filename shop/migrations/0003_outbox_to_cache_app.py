from django.db import migrations


class Migration(migrations.Migration):
    """The outbox now belongs to the cache layer's app (shop.cache); its table stays where it is."""

    dependencies = [("shop", "0002_outbox_fence_token"), ("shop_cache", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="CacheInvalidation")]),
    ]
