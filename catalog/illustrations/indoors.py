"""Kitchen, home and decor objects on a 100-unit grid: ``draw(d, material, accent)``."""

from .common import INK, box_, shade


def pan(d, m, a):
    d.ellipse([18, 40, 70, 66], fill=shade(m, 0.6))
    d.ellipse([21, 42, 67, 60], fill=shade(m, 0.85))
    box_(d, [68, 48, 94, 54], INK)


def pot(d, m, a):
    box_(d, [26, 42, 74, 76], m, 6)
    box_(d, [22, 36, 78, 44], shade(m, 0.8), 3)
    box_(d, [44, 30, 56, 36], INK)
    box_(d, [16, 50, 26, 55], INK)
    box_(d, [74, 50, 84, 55], INK)


def knife(d, m, a):
    d.polygon([(14, 56), (66, 46), (66, 60), (24, 62)], fill=(205, 212, 220), outline=(120, 130, 140))
    box_(d, [66, 47, 90, 59], m, 3)
    d.ellipse([74, 51, 77, 54], fill=INK)
    d.ellipse([82, 51, 85, 54], fill=INK)


def block(d, m, a):
    d.polygon([(30, 40), (62, 32), (72, 78), (36, 80)], fill=m, outline=shade(m, 0.7))
    for x in (38, 46, 54):
        box_(d, [x, 20, x + 5, 38], INK, 1)


def plate(d, m, a):
    d.ellipse([16, 30, 84, 76], fill=shade(m, 0.85))
    d.ellipse([28, 38, 72, 68], fill=m)
    d.ellipse([40, 46, 60, 60], outline=a, width=2)


def bowl(d, m, a):
    d.chord([20, 24, 80, 80], 0, 180, fill=m, outline=shade(m, 0.7))
    box_(d, [20, 50, 80, 54], shade(m, 0.85))
    box_(d, [40, 78, 60, 82], shade(m, 0.7))


def mug(d, m, a):
    d.ellipse([58, 42, 80, 66], outline=m, width=5)
    box_(d, [28, 32, 64, 78], m, 5)
    box_(d, [28, 48, 64, 54], a, 0)


def teapot(d, m, a):
    d.ellipse([28, 36, 72, 78], fill=m, outline=shade(m, 0.7))
    d.polygon([(70, 56), (88, 40), (90, 44), (74, 64)], fill=m)
    d.arc([14, 44, 36, 68], 90, 270, fill=m, width=4)
    box_(d, [42, 30, 58, 38], shade(m, 0.8))
    d.ellipse([47, 25, 53, 31], fill=INK)


def jar(d, m, a):
    box_(d, [32, 34, 68, 80], m, 8)
    box_(d, [34, 26, 66, 36], a, 3)
    box_(d, [38, 50, 62, 62], (250, 250, 246), 2)


def box(d, m, a):
    box_(d, [20, 40, 80, 78], m, 4)
    box_(d, [17, 34, 83, 44], shade(m, 0.85), 4)
    box_(d, [44, 54, 56, 58], INK, 1)


def lamp(d, m, a):
    d.polygon([(30, 46), (70, 46), (60, 20), (40, 20)], fill=a)
    box_(d, [48, 46, 52, 74], INK, 1)
    d.ellipse([34, 72, 66, 82], fill=m, outline=shade(m, 0.7))


def pendant(d, m, a):
    d.line([(50, 6), (50, 36)], fill=INK, width=2)
    d.chord([24, 32, 76, 80], 180, 360, fill=m, outline=shade(m, 0.7))
    d.ellipse([44, 52, 56, 62], fill=(255, 226, 130))


def lantern(d, m, a):
    d.arc([40, 14, 60, 34], 180, 360, fill=INK, width=3)
    box_(d, [34, 24, 66, 32], m)
    box_(d, [36, 32, 64, 70], (255, 236, 170), 2)
    for x in (36, 49, 62):
        d.line([(x + 1, 32), (x + 1, 70)], fill=m, width=3)
    box_(d, [32, 70, 68, 78], m)


def textile(d, m, a):
    box_(d, [18, 30, 82, 74], m, 3)
    for y in range(36, 72, 8):
        d.line([(18, y), (82, y)], fill=a, width=2)
    for x in range(20, 82, 4):
        d.line([(x, 74), (x, 78)], fill=shade(m, 0.8), width=1)


def cushion(d, m, a):
    d.rounded_rectangle([20, 28, 80, 76], radius=14, fill=m, outline=shade(m, 0.7), width=2)
    d.ellipse([44, 46, 56, 58], fill=a)


def vase(d, m, a):
    d.polygon([(42, 20), (58, 20), (56, 30), (70, 52), (62, 80), (38, 80), (30, 52), (44, 30)], fill=m)
    d.line([(34, 54), (66, 54)], fill=a, width=3)


def frame(d, m, a):
    box_(d, [24, 18, 76, 82], m, 2)
    box_(d, [31, 25, 69, 75], (250, 248, 240), 0)
    d.polygon([(33, 72), (46, 50), (56, 64), (61, 56), (67, 72)], fill=a)
    d.ellipse([56, 32, 64, 40], fill=(240, 190, 60))


def mirror(d, m, a):
    d.ellipse([26, 14, 74, 82], fill=m)
    d.ellipse([31, 19, 69, 77], fill=(205, 228, 236))
    d.line([(40, 34), (50, 28)], fill=(255, 255, 255), width=3)


def candle(d, m, a):
    box_(d, [30, 70, 70, 78], m, 3)
    box_(d, [42, 34, 58, 70], (250, 246, 232), 2)
    d.ellipse([45, 20, 55, 34], fill=(250, 180, 40))


def stool(d, m, a):
    d.ellipse([26, 26, 74, 40], fill=m, outline=shade(m, 0.7))
    for x0, x1 in ((32, 28), (50, 50), (68, 72)):
        d.line([(x0, 36), (x1, 82)], fill=shade(m, 0.75), width=5)


def table(d, m, a):
    box_(d, [14, 36, 86, 44], m, 2)
    for x in (20, 76):
        box_(d, [x, 44, x + 5, 82], shade(m, 0.8), 1)


def shelf(d, m, a):
    for y in (26, 50, 74):
        box_(d, [18, y, 82, y + 5], m, 1)
    box_(d, [24, 34, 30, 50], a, 1)
    box_(d, [32, 38, 38, 50], shade(a, 0.8), 1)
    d.ellipse([60, 62, 72, 74], fill=a)


def dish(d, m, a):
    d.ellipse([20, 48, 80, 72], fill=m, outline=shade(m, 0.7))
    d.ellipse([34, 42, 66, 60], fill=(250, 240, 220), outline=(210, 190, 160))
