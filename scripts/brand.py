"""Draw the brand images of custom_components/wactorz/brand/ (run once; the PNGs are committed)."""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "custom_components" / "wactorz" / "brand"
ACCENT = (3, 169, 244, 255)
NODE = (255, 152, 0, 255)


def icon(size: int, dark: bool) -> Image.Image:
    """Six actors on a ring, wired to a supervisor in the middle."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    center = size / 2
    ring = size * 0.34
    line = (230, 230, 230, 255) if dark else (55, 71, 79, 255)
    points = [
        (
            center + ring * math.cos(math.pi / 3 * i - math.pi / 2),
            center + ring * math.sin(math.pi / 3 * i - math.pi / 2),
        )
        for i in range(6)
    ]
    width = max(2, size // 40)
    for index, point in enumerate(points):
        draw.line([point, points[(index + 1) % 6]], fill=line, width=width)
        draw.line([point, (center, center)], fill=line, width=width)
    radius = size * 0.075
    for x, y in points:
        draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=NODE)
    big = size * 0.13
    draw.ellipse([center - big, center - big, center + big, center + big], fill=ACCENT)
    return image


def logo(height: int, dark: bool) -> Image.Image:
    """Draw the icon followed by the word Wactorz."""
    mark = icon(height, dark)
    font = ImageFont.load_default(size=int(height * 0.5))
    text = "Wactorz"
    probe = ImageDraw.Draw(mark)
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    image = Image.new(
        "RGBA", (height + int(height * 0.15) + right - left, height), (0, 0, 0, 0)
    )
    image.paste(mark, (0, 0), mark)
    draw = ImageDraw.Draw(image)
    colour = (240, 240, 240, 255) if dark else (38, 50, 56, 255)
    draw.text(
        (height + int(height * 0.1), (height - (bottom - top)) / 2 - top),
        text,
        font=font,
        fill=colour,
    )
    return image


def main() -> None:
    """Write the eight allowed brand images."""
    OUT.mkdir(parents=True, exist_ok=True)
    for dark in (False, True):
        prefix = "dark_" if dark else ""
        icon(256, dark).save(OUT / f"{prefix}icon.png", optimize=True)
        icon(512, dark).save(OUT / f"{prefix}icon@2x.png", optimize=True)
        logo(128, dark).save(OUT / f"{prefix}logo.png", optimize=True)
        logo(256, dark).save(OUT / f"{prefix}logo@2x.png", optimize=True)


if __name__ == "__main__":
    main()
