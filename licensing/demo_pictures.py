"""Pictures for the demo catalogue (`seed_demo`): a small JPEG per demo media row, drawn with
Pillow from its caption and credit, so package previews of demo articles show pictures. The
same inputs give the same bytes (no randomness, no timestamps, no metadata)."""

from __future__ import annotations

import hashlib
import io
import textwrap

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 400
LABEL_HEIGHT = 92
QUALITY = 80


def _palette(key: str) -> tuple[tuple[int, int, int], ...]:
    """Sky top, sky bottom, sea and sun colours, varied per picture by its key."""
    d = hashlib.sha256(key.encode()).digest()
    return (
        (40 + d[0] % 60, 80 + d[1] % 80, 150 + d[2] % 80),
        (170 + d[3] % 60, 190 + d[4] % 50, 210 + d[5] % 40),
        (20 + d[6] % 40, 70 + d[7] % 60, 110 + d[8] % 60),
        (240, 190 + d[9] % 50, 80 + d[10] % 80),
    )


def demo_picture(*, key: str, caption: str, credit: str) -> bytes:
    """A harbour scene (sky, sun, sea, a quay wall) with the caption and credit on a label
    band, as a baseline JPEG."""
    sky_top, sky_bottom, sea, sun = _palette(key)
    image = Image.new("RGB", (WIDTH, HEIGHT), sky_top)
    draw = ImageDraw.Draw(image)
    horizon = int((HEIGHT - LABEL_HEIGHT) * 0.55)
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(sky_top, sky_bottom, strict=True))
        draw.line([(0, y), (WIDTH, y)], fill=colour)
    seed = hashlib.sha256(key.encode()).digest()
    sun_x = 80 + seed[11] % (WIDTH - 160)
    draw.ellipse([sun_x - 34, horizon - 110, sun_x + 34, horizon - 42], fill=sun)
    draw.rectangle([0, horizon, WIDTH, HEIGHT - LABEL_HEIGHT], fill=sea)
    for row in range(6):
        y = horizon + 14 + row * 18
        offset = (seed[12 + row] % 40) - 20
        for x in range(-40 + offset, WIDTH, 60):
            draw.arc([x, y, x + 40, y + 12], 200, 340, fill=(220, 235, 245), width=2)
    # The quay wall and its lamp post, on the right.
    wall_top = horizon - 30
    draw.rectangle([WIDTH - 210, wall_top, WIDTH, HEIGHT - LABEL_HEIGHT], fill=(120, 112, 100))
    for x in range(WIDTH - 210, WIDTH, 30):
        draw.line([(x, wall_top), (x, HEIGHT - LABEL_HEIGHT)], fill=(95, 88, 78), width=1)
    draw.rectangle([WIDTH - 120, wall_top - 90, WIDTH - 114, wall_top], fill=(40, 40, 40))
    draw.ellipse([WIDTH - 130, wall_top - 104, WIDTH - 104, wall_top - 82], fill=(250, 235, 170))

    # The label band: the caption (up to two lines) and the credit.
    draw.rectangle([0, HEIGHT - LABEL_HEIGHT, WIDTH, HEIGHT], fill=(24, 28, 34))
    text_font = ImageFont.load_default(size=19)
    credit_font = ImageFont.load_default(size=15)
    lines = textwrap.wrap(caption, width=58)[:2] or [""]
    y = HEIGHT - LABEL_HEIGHT + 12
    for line in lines:
        draw.text((16, y), line, fill=(245, 245, 245), font=text_font)
        y += 24
    draw.text((16, HEIGHT - 26), credit, fill=(180, 188, 198), font=credit_font)

    out = io.BytesIO()
    image.save(out, format="JPEG", quality=QUALITY, optimize=True)
    return out.getvalue()
