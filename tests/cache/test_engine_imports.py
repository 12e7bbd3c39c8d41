"""The cache engine is infrastructure, like django.core.cache: no module of it imports an app."""

import ast
from pathlib import Path

import shop.cache

ENGINE = Path(shop.cache.__file__).parent
APPS = ("catalog", "orders", "cdn", "api", "shop", "config", "bench")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_no_engine_module_imports_an_app():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 15  # the whole engine was walked
    offending = {
        f"{path.relative_to(ENGINE)}: {name}"
        for path in modules
        for name in _imports(path)
        if name.split(".")[0] in APPS and not name.startswith("shop.cache")
    }
    assert offending == set()


def test_the_check_sees_an_app_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from catalog.models import Product\n")
    assert "catalog.models" in _imports(module)
