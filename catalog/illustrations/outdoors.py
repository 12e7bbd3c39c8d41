"""Outdoor, office and toy objects on a 100-unit grid: ``draw(d, material, accent)``."""

from .common import ACCENTS, INK, box_, shade


def tent(d, m, a):
    d.polygon([(12, 78), (50, 20), (88, 78)], fill=m, outline=shade(m, 0.7))
    d.polygon([(40, 78), (50, 50), (60, 78)], fill=shade(m, 0.55))
    d.line([(50, 20), (50, 12)], fill=INK, width=2)


def roll(d, m, a):
    box_(d, [18, 40, 70, 76], m, 16)
    d.ellipse([56, 40, 86, 76], fill=shade(m, 0.85), outline=shade(m, 0.6))
    d.arc([62, 46, 80, 70], 0, 300, fill=shade(m, 0.6), width=2)
    d.line([(34, 40), (34, 76)], fill=a, width=3)


def stove(d, m, a):
    box_(d, [26, 56, 74, 78], m, 3)
    d.ellipse([36, 46, 64, 58], fill=INK)
    d.polygon([(44, 50), (50, 34), (56, 50)], fill=(250, 140, 40))


def plant(d, m, a):
    for dx, dy in ((-16, -30), (0, -40), (16, -30), (-8, -20), (8, -20)):
        d.ellipse([44 + dx, 50 + dy, 56 + dx, 70 + dy], fill=(60, 140, 80))
    d.polygon([(30, 50), (70, 50), (64, 82), (36, 82)], fill=m, outline=shade(m, 0.7))


def trowel(d, m, a):
    d.polygon([(20, 30), (44, 28), (48, 50), (30, 60)], fill=(175, 185, 195), outline=(110, 120, 130))
    d.line([(46, 48), (60, 60)], fill=INK, width=3)
    d.line([(58, 58), (82, 80)], fill=m, width=9)


def can(d, m, a):
    box_(d, [28, 40, 66, 78], m, 6)
    d.polygon([(64, 50), (88, 30), (90, 34), (66, 60)], fill=m)
    d.arc([34, 24, 62, 52], 180, 360, fill=shade(m, 0.7), width=4)


def light(d, m, a):
    box_(d, [26, 40, 66, 64], m, 8)
    d.ellipse([60, 38, 78, 66], fill=(255, 236, 150), outline=shade(m, 0.6))
    box_(d, [36, 64, 44, 76], INK, 1)


def bag(d, m, a):
    d.arc([36, 18, 64, 46], 180, 360, fill=shade(m, 0.7), width=4)
    box_(d, [24, 32, 76, 80], m, 4)
    box_(d, [24, 44, 76, 48], a, 0)


def backpack(d, m, a):
    d.arc([38, 14, 62, 34], 180, 360, fill=INK, width=3)
    box_(d, [30, 22, 70, 82], m, 12)
    box_(d, [36, 54, 64, 76], shade(m, 0.85), 6)
    d.line([(36, 40), (64, 40)], fill=a, width=3)


def bell(d, m, a):
    d.chord([30, 30, 70, 90], 180, 360, fill=m, outline=shade(m, 0.7))
    box_(d, [26, 58, 74, 64], shade(m, 0.8), 2)
    d.ellipse([46, 24, 54, 32], fill=INK)


def bottle(d, m, a):
    box_(d, [36, 30, 64, 82], m, 8)
    box_(d, [42, 18, 58, 30], INK, 2)
    box_(d, [36, 50, 64, 60], a, 0)


def pole(d, m, a):
    d.line([(30, 84), (66, 16)], fill=m, width=5)
    d.line([(44, 84), (80, 16)], fill=m, width=5)
    for x, y in ((62, 20), (76, 20)):
        box_(d, [x, y, x + 8, y + 12], INK, 2)


def basket(d, m, a):
    d.arc([30, 20, 70, 70], 180, 360, fill=shade(m, 0.7), width=5)
    d.polygon([(20, 44), (80, 44), (72, 80), (28, 80)], fill=m, outline=shade(m, 0.7))
    for y in (54, 64, 74):
        d.line([(24, y), (76, y)], fill=shade(m, 0.75), width=2)


def book(d, m, a):
    box_(d, [28, 18, 72, 82], a, 3)
    box_(d, [66, 20, 72, 80], (250, 248, 240), 0)
    box_(d, [36, 30, 60, 38], m, 1)


def pen(d, m, a):
    d.polygon([(22, 78), (28, 66), (70, 24), (78, 32), (36, 74)], fill=m, outline=INK)
    d.polygon([(22, 78), (28, 66), (34, 72)], fill=(210, 180, 90))


def tote(d, m, a):
    d.arc([34, 16, 66, 52], 180, 360, fill=shade(m, 0.7), width=3)
    d.polygon([(26, 34), (74, 34), (80, 82), (20, 82)], fill=m, outline=shade(m, 0.7))
    d.ellipse([42, 50, 58, 66], fill=a)


def sleeve(d, m, a):
    box_(d, [16, 30, 84, 74], m, 6)
    d.line([(16, 38), (84, 38)], fill=shade(m, 0.75), width=2)
    box_(d, [44, 34, 56, 42], a, 2)


def desklamp(d, m, a):
    d.ellipse([28, 74, 56, 82], fill=INK)
    d.line([(42, 76), (34, 46)], fill=m, width=4)
    d.line([(34, 46), (58, 30)], fill=m, width=4)
    d.polygon([(54, 22), (76, 34), (66, 44)], fill=a)


def drawers(d, m, a):
    box_(d, [24, 20, 76, 82], m, 3)
    for y in (22, 42, 62):
        box_(d, [28, y + 2, 72, y + 18], shade(m, 0.9), 2)
        box_(d, [45, y + 8, 55, y + 12], INK, 1)


def tray(d, m, a):
    d.polygon([(16, 50), (84, 50), (76, 72), (24, 72)], fill=m, outline=shade(m, 0.7))
    box_(d, [30, 40, 70, 50], (250, 248, 240), 1)


def blocks(d, m, a):
    for i, (x, y) in enumerate(((22, 56), (48, 56), (35, 30))):
        box_(d, [x, y, x + 24, y + 24], ACCENTS[i * 2 % len(ACCENTS)] if i else m, 2)


def puzzle(d, m, a):
    for i, (x, y) in enumerate(((22, 22), (50, 22), (22, 50), (50, 50))):
        box_(d, [x, y, x + 27, y + 27], a if i % 3 == 0 else m, 2)
    d.ellipse([44, 30, 54, 40], fill=m)
    d.ellipse([30, 44, 40, 54], fill=a)


def train(d, m, a):
    box_(d, [16, 40, 44, 66], m, 2)
    box_(d, [44, 30, 64, 66], a, 2)
    box_(d, [64, 46, 86, 66], m, 2)
    for x in (18, 34, 50, 68, 80):
        d.ellipse([x - 6, 62, x + 6, 74], fill=INK)


def paint(d, m, a):
    box_(d, [14, 34, 86, 70], m, 4)
    for i, x in enumerate(range(20, 80, 12)):
        d.ellipse([x, 44, x + 10, 54], fill=ACCENTS[i % len(ACCENTS)])
    d.line([(30, 62), (76, 60)], fill=INK, width=3)


def crayons(d, m, a):
    for i, x in enumerate(range(24, 76, 9)):
        c = ACCENTS[i % len(ACCENTS)]
        box_(d, [x, 24, x + 7, 70], c, 1)
        d.polygon([(x, 24), (x + 7, 24), (x + 3, 16)], fill=c)
    box_(d, [20, 52, 80, 82], m, 3)


def boardgame(d, m, a):
    box_(d, [16, 30, 84, 76], m, 3)
    for i in range(6):
        for j in range(4):
            if (i + j) % 2:
                box_(d, [22 + i * 9, 36 + j * 9, 30 + i * 9, 44 + j * 9], a, 0)
    d.ellipse([70, 20, 80, 30], fill=INK)


def cards(d, m, a):
    for i, angle_dx in enumerate((-12, 0, 12)):
        x = 34 + angle_dx
        box_(d, [x, 24 + abs(angle_dx) // 2, x + 30, 72 + abs(angle_dx) // 2], (252, 250, 244), 3)
        d.ellipse([x + 10, 40, x + 20, 50], fill=a if i != 1 else m)


def mobile(d, m, a):
    d.line([(50, 8), (50, 24)], fill=INK, width=2)
    d.line([(20, 24), (80, 24)], fill=m, width=4)
    for i, x in enumerate((24, 50, 76)):
        d.line([(x, 24), (x, 46 + i % 2 * 14)], fill=INK, width=1)
        y = 46 + i % 2 * 14
        d.polygon([(x, y), (x + 8, y + 12), (x, y + 24), (x - 8, y + 12)], fill=ACCENTS[i])


def nightlight(d, m, a):
    d.ellipse([26, 22, 74, 70], fill=(255, 226, 140))
    d.ellipse([40, 16, 82, 62], fill=shade(m, 0.95) if sum(m) < 600 else (230, 236, 246))
    box_(d, [34, 70, 66, 80], m, 3)
