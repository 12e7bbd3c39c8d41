"""The category tree stays a tree, whichever way staff try to move a category."""

import pytest

from catalog import services
from catalog.exceptions import CatalogError
from catalog.models import Category
from tests.factories import CategoryFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    top = CategoryFactory(name="Top", slug="top")
    middle = CategoryFactory(name="Middle", slug="middle", parent=top)
    leaf = CategoryFactory(name="Leaf", slug="leaf", parent=middle)
    return top, middle, leaf


@pytest.mark.parametrize("below", ["self", "child", "grandchild"])
def test_service_refuses_to_move_a_category_below_itself(chain, below):
    top, middle, leaf = chain
    target = {"self": top, "child": middle, "grandchild": leaf}[below]
    with pytest.raises(CatalogError, match="below itself"):
        services.category_move(category=top, parent=target)
    assert Category.objects.get(pk=top.pk).parent_id is None
    assert top.parent is None


def test_service_moves_a_category_elsewhere(chain):
    top, middle, leaf = chain
    services.category_move(category=leaf, parent=top)
    assert Category.objects.get(pk=leaf.pk).parent_id == top.pk


def test_admin_form_refuses_a_cycle_with_a_message(client, chain):
    top, _, leaf = chain
    client.force_login(StaffFactory())
    response = client.post(
        f"/admin/catalog/category/{top.pk}/change/",
        {"name": "Top", "slug": "top", "parent": leaf.pk, "position": 0, "_save": "Save"},
    )
    assert response.status_code == 200
    assert "cannot be placed below itself" in response.content.decode()
    assert Category.objects.get(pk=top.pk).parent_id is None
