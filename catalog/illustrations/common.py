"""Drawing helpers shared by the shape modules."""

Colour = tuple[int, int, int]
INK = (45, 52, 64)
ACCENTS: list[Colour] = [(15, 118, 110), (180, 83, 9), (185, 28, 28), (30, 64, 175), (109, 40, 217), (22, 101, 52)]


def shade(c: Colour, f: float) -> Colour:
    return tuple(max(0, min(255, int(v * f))) for v in c)


def box_(d, xy, fill, r=2):
    d.rounded_rectangle(xy, radius=r, fill=fill, outline=shade(fill, 0.7), width=1)
