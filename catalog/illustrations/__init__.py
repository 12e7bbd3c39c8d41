"""Demo product pictures: a flat illustration of the product's kind, in the colour of its material.

Drawn with Pillow on a 100-unit grid; no text, so nothing can be covered. About 5 ms an image.
"""

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

from . import indoors as i
from . import outdoors as o
from .common import ACCENTS, Colour, shade

MATERIALS: dict[str, Colour] = {
    "Oak": (196, 150, 96),
    "Walnut": (112, 72, 46),
    "Linen": (214, 200, 170),
    "Cotton": (236, 232, 222),
    "Steel": (150, 160, 170),
    "Copper": (190, 106, 60),
    "Ceramic": (226, 232, 240),
    "Glass": (170, 215, 225),
    "Bamboo": (206, 180, 110),
    "Wool": (225, 214, 190),
    "Leather": (140, 82, 44),
    "Stoneware": (150, 135, 120),
    "Cork": (186, 140, 95),
    "Aluminium": (190, 196, 204),
    "Rattan": (205, 170, 110),
    "Marble": (232, 230, 226),
}
BACKGROUNDS: list[Colour] = [(236, 244, 242), (242, 238, 232), (234, 240, 248), (246, 236, 238), (240, 240, 232)]

Draw = Callable[[ImageDraw.ImageDraw, Colour, Colour], None]


# Noun keyword -> drawing. The first keyword found in the product's name wins.
KINDS: list[tuple[str, Draw]] = [
    ("Knife Block", i.block),
    ("Knife", i.knife),
    ("Dutch Oven", i.pot),
    ("Saucepan", i.pot),
    ("Skillet", i.pan),
    ("Wok", i.pan),
    ("Plate", i.plate),
    ("Bowl", i.bowl),
    ("Tray", o.tray),
    ("Mug", i.mug),
    ("Pour-Over", i.mug),
    ("Teapot", i.teapot),
    ("Grinder", i.box),
    ("Jar", i.jar),
    ("Canister", i.jar),
    ("Bread Bin", i.box),
    ("Pendant", i.pendant),
    ("Desk Lamp", o.desklamp),
    ("Clip Lamp", o.desklamp),
    ("Lamp", i.lamp),
    ("Lantern", i.lantern),
    ("Night Light", o.nightlight),
    ("Bike Light", o.light),
    ("Cushion", i.cushion),
    ("Vase", i.vase),
    ("Mirror", i.mirror),
    ("Frame", i.frame),
    ("Candle", i.candle),
    ("Stool", i.stool),
    ("Side Table", i.table),
    ("Standing Desk", i.table),
    ("Bench", i.table),
    ("Shelf", i.shelf),
    ("Monitor Riser", i.shelf),
    ("Soap Dish", i.dish),
    ("Tent", o.tent),
    ("Sleeping Bag", o.roll),
    ("Stove", o.stove),
    ("Planter", o.plant),
    ("Trowel", o.trowel),
    ("Watering Can", o.can),
    ("Saddle Bag", o.bag),
    ("Bell", o.bell),
    ("Daypack", o.backpack),
    ("Backpack", o.backpack),
    ("Bottle", o.bottle),
    ("Pole", o.pole),
    ("Cooler", i.box),
    ("Basket", o.basket),
    ("Notebook", o.book),
    ("Planner", o.book),
    ("Book", o.book),
    ("Pen", o.pen),
    ("Tote", o.tote),
    ("Sleeve", o.sleeve),
    ("Drawer", o.drawers),
    ("Cable Box", i.box),
    ("Blocks", o.blocks),
    ("Puzzle", o.puzzle),
    ("Train", o.train),
    ("Paint", o.paint),
    ("Clay", i.jar),
    ("Crayon", o.crayons),
    ("Board Game", o.boardgame),
    ("Card Game", o.cards),
    ("Mobile", o.mobile),
]


def kind_of(name: str) -> Draw:
    """Return the drawing for a product ``name``; textiles (throws, rugs, towels…) are the fallback."""
    return next((draw for keyword, draw in KINDS if keyword in name), i.textile)


def material_of(name: str) -> Colour:
    return next((colour for word, colour in MATERIALS.items() if word in name.split()), MATERIALS["Oak"])


class _Grid:
    """Maps drawing calls on the 100-unit grid onto a canvas ``scale`` pixels per unit, zoomed about the centre."""

    def __init__(self, draw: ImageDraw.ImageDraw, scale: float, zoom: float) -> None:
        self.draw, self.k, self.offset = draw, scale * zoom, (1 - zoom) * 50 * scale

    def _map(self, xy):
        if isinstance(xy[0], tuple):
            return [(x * self.k + self.offset, y * self.k + self.offset) for x, y in xy]
        return [v * self.k + self.offset for v in xy]

    def __getattr__(self, attr: str):
        method = getattr(self.draw, attr)

        def call(xy, *args, **kwargs):
            if "width" in kwargs:
                kwargs["width"] = max(1, int(kwargs["width"] * self.k / 2))
            if "radius" in kwargs:
                kwargs["radius"] = kwargs["radius"] * self.k
            return method(self._map(xy), *args, **kwargs)

        return call


def illustration(name: str, view: int = 0, size: int = 480, variant: int = 0) -> bytes:
    """Return a JPEG picture of the product ``name``; ``view`` 1+ shows it closer, mirrored, on another background."""
    background = BACKGROUNDS[(variant + view) % len(BACKGROUNDS)]
    # Drawn at twice the size, then halved once: smooth edges at little cost.
    canvas = Image.new("RGB", (size * 2, size * 2), background)
    grid = _Grid(ImageDraw.Draw(canvas), size * 2 / 100, 1.3 if view else 1.15)
    grid.ellipse([22, 78, 78, 88], fill=shade(background, 0.9))
    kind_of(name)(grid, material_of(name), ACCENTS[variant % len(ACCENTS)])
    if view:
        canvas = canvas.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    buf = io.BytesIO()
    canvas.reduce(2).save(buf, "JPEG", quality=85)
    return buf.getvalue()
