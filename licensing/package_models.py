"""Packages issued for a licence: one stored file per licence, article revision and format, with
its checksum and size, rendered once and kept when a correction adds a newer revision."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PackageFormat(models.TextChoices):
    HTML = "html", _("Standalone HTML")
    SNIPPET = "snippet", _("HTML snippet for a CMS")
    PDF = "pdf", _("PDF")
    NINJS = "ninjs", _("IPTC ninjs")
    LICENCE_JSON = "licence_json", _("ODRL licence (JSON-LD)")
    BUNDLE = "bundle", _("Signed ZIP bundle")


def package_upload_to(package: Package, filename: str) -> str:
    """Files sit under the licence number, so staff find a licence's files together."""
    return f"packages/{package.licence.number}/r{package.revision.number}/{filename}"


class Package(models.Model):
    licence = models.ForeignKey(
        "licensing.Licence", on_delete=models.PROTECT, related_name="packages"
    )
    # The revision rendered: the licence's own at issue, a newer one after a correction.
    revision = models.ForeignKey(
        "syndication.ArticleRevision", on_delete=models.PROTECT, related_name="packages"
    )
    format = models.CharField(max_length=16, choices=PackageFormat.choices)
    file = models.FileField(upload_to=package_upload_to, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField(help_text=_("Bytes."))
    content_type = models.CharField(max_length=100)
    rendered_at = models.DateTimeField(auto_now_add=True)
    # Set when the "your licences are ready" email that links to this file went out.
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # By ids, not through the related models' own ordering: no join on every read.
        ordering = ["licence_id", "revision_id", "format"]
        constraints = [
            # Rendered once: two workers racing on the same licence cannot both store a file.
            models.UniqueConstraint(
                fields=["licence", "revision", "format"], name="uniq_package_per_format"
            )
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} r{self.revision_id} {self.format}"
