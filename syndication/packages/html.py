"""The standalone HTML package and the body-only snippet for a partner's CMS."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from syndication.packages.content import ImageSource, data_url, package_context
from syndication.packages.data import PackageData, PackageImage, image_path
from syndication.packages.fetcher import checked_path
from syndication.packages.odrl import licence_policy

ImageMode = Literal["inline", "files"]


def read_image(image: PackageImage) -> bytes:
    """A distributable picture's bytes; a path must lie under the media or static roots."""
    if not image.distributable:
        raise ValueError(f"{image.filename} is not distributable and is never read")
    if image.content is not None:
        return image.content
    if image.path is None:
        raise ValueError(f"{image.filename} has neither bytes nor a path")
    return checked_path(image.path).read_bytes()


def image_source(mode: ImageMode) -> ImageSource:
    """inline: data: URLs, so the one file stands alone; files: paths inside the bundle."""
    if mode == "files":
        return lambda index, image: image_path(index, image)
    return lambda index, image: data_url(image, read_image(image))


@cache
def _screen_css() -> str:
    found = finders.find("packages/package.css")
    return Path(str(found)).read_text(encoding="utf-8")


def render_html(data: PackageData, *, images: ImageMode = "inline") -> str:
    context = package_context(
        data, src_for=image_source(images), for_print=False, policy=licence_policy(data)
    )
    context["screen_css"] = mark_safe(_screen_css())  # our own static file
    return render_to_string("packages/article.html", context)


def render_snippet(data: PackageData, *, images: ImageMode = "files") -> str:
    """The article for pasting into a CMS, keeping attribution, canonical link and pixel."""
    context = package_context(
        data, src_for=image_source(images), for_print=False, policy=licence_policy(data)
    )
    return render_to_string("packages/snippet.html", context)
