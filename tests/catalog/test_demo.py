"""The demo catalog a newcomer sees on the first `make run`."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from catalog.illustrations import KINDS, illustration, kind_of
from catalog.models import Category, Product

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seeded():
    out = io.StringIO()
    call_command("seed_catalog", products=40, staff_user="staff", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_no_top_category_repeats_the_home_crumb(client, seeded):
    assert not Category.objects.filter(parent=None, name__iexact="home").exists()
    product = Product.objects.filter(category__parent__slug="home-living").first()

    html = client.get(product.get_absolute_url()).content.decode()

    crumbs = re.findall(r"<li><a [^>]*>([^<]+)</a></li>", html.split('aria-label="Breadcrumb"')[1].split("</ol>")[0])
    assert crumbs == ["Home", "Home &amp; Living", product.category.name]


def test_descriptions_use_the_right_article(seeded):
    for description in Product.objects.values_list("description", flat=True):
        assert not re.search(r"\ba [aeiou]", description), description
        assert not re.search(r"\ban [^aeiou\s]", description), description


def test_every_product_gets_two_pictures(seeded):
    for product in Product.objects.prefetch_related("images")[:5]:
        images = list(product.images.all())
        assert len(images) == 2
        with images[0].image.open() as f, Image.open(f) as picture:
            assert picture.format == "JPEG" and picture.size == (480, 480)


def test_each_product_kind_has_its_own_picture():
    names = [f"Classic Oak {keyword}" for keyword, _ in KINDS]
    assert all(kind_of(name) is draw for name, (_, draw) in zip(names, KINDS))
    pictures = {illustration(name, variant=0) for name in names if "Clay" not in name and "Cooler" not in name}
    assert len(pictures) > len(KINDS) / 2  # kinds share few drawings; each drawing differs


def test_seed_creates_a_staff_user_once_and_prints_its_password(seeded):
    user = get_user_model().objects.get(username="staff")
    password = re.search(r"^Staff log-in: staff / (\S+)$", seeded, re.M)[1]

    assert user.is_staff and user.check_password(password)
    out = io.StringIO()
    call_command("seed_catalog", products=5, if_empty=True, staff_user="staff", stdout=out)
    assert "Staff log-in" not in out.getvalue()
