import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog import demo


class Command(BaseCommand):
    help = "Fill an empty catalog with a deterministic demo catalog, images and order history."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--images-per-product", type=int, default=2)
        parser.add_argument(
            "--image-pool",
            type=int,
            default=0,
            help="Generate this many images and share them between products (fast, for benchmarks).",
        )
        parser.add_argument("--orders", type=int, default=None)
        parser.add_argument(
            "--categories",
            type=int,
            default=None,
            help="Generate a tree of this many categories (default: the classic 30), e.g. 100 for benchmarks.",
        )
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when products exist.")
        parser.add_argument(
            "--staff-user",
            default="",
            help="With the catalog, create this staff user with a random password, printed once.",
        )

    def handle(
        self, *args, products, seed, images_per_product, image_pool, orders, categories, if_empty, staff_user, **options
    ):
        from catalog.models import Product

        if products < 0 or images_per_product < 0 or image_pool < 0:
            raise CommandError("Counts must not be negative.")
        if if_empty and Product.objects.exists():
            self.stdout.write("Catalog already has products; not seeding.")
            return
        try:
            counts = demo.seed(
                products=products,
                seed=seed,
                images_per_product=images_per_product,
                image_pool=image_pool,
                orders=orders,
                categories=categories,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(", ".join(f"{v} {k}" for k, v in counts.items())))
        if staff_user:
            self._create_staff(staff_user)

    def _create_staff(self, username: str) -> None:
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            return
        password = secrets.token_urlsafe(9)
        User.objects.create_superuser(username=username, email=f"{username}@example.com", password=password)
        # scripts/run.py finds this line and shows it in its start banner.
        self.stdout.write(f"Staff log-in: {username} / {password}")
