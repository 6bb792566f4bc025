"""`manage.py package_preview <article-slug> --out DIR`: render every package format for a sample
licence on the article's current revision, so staff see what partners will receive. The sample
licence, request and partner are never saved: the command writes files only."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from licensing.models import Licence, LicenceRequest, Portion, UseType
from licensing.package_models import Package
from licensing.packages import FORMATS, download_name, package_data_for, render_all
from syndication.models import Article, Partner, PartnerType


def sample_licence(article: Article) -> Licence:
    """An unsaved one-year worldwide web licence for a sample partner."""
    now = timezone.now()
    revision = article.revisions.order_by("-number").first()
    if revision is None:
        raise CommandError(f"{article.slug} has no published revision.")
    partner = Partner(
        name="Sample Partner (preview)",
        partner_type=PartnerType.COMMERCIAL,
        country="GB",
        website="https://partner.example/",
        domains=["partner.example"],
    )
    request = LicenceRequest(
        partner=partner,
        contact_name="Preview",
        contact_email="preview@partner.example",
        use_type=UseType.WEB,
        portion=Portion.FULL,
        territory="worldwide",
        term="1y",
        include_images=True,
    )
    return Licence(
        number=f"PREVIEW-{now.year}-000000",
        request=request,
        partner=partner,
        article=article,
        revision=revision,
        use_type=UseType.WEB,
        portion=Portion.FULL,
        territory="worldwide",
        territory_label="Worldwide",
        territory_countries=[],
        term="1y",
        starts_on=now.date(),
        ends_on=now.date() + timedelta(days=365),
        fee=Decimal("100.00"),
        currency=article.publication.default_currency,
        issued_at=now,
    )


class Command(BaseCommand):
    help = "Render every package format of an article for a sample licence into a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The article's slug.")
        parser.add_argument("--out", required=True, type=Path, help="Folder to write into.")

    def handle(self, *args: Any, slug: str, out: Path, **options: Any) -> None:
        article = Article.objects.select_related("publication").filter(slug=slug).first()
        if article is None:
            raise CommandError(f"No article with the slug {slug!r}.")
        licence = sample_licence(article)
        data = package_data_for(licence=licence, revision=licence.revision)
        out.mkdir(parents=True, exist_ok=True)
        rendered = render_all(data)
        for fmt in FORMATS:
            name = download_name(Package(licence=licence, revision=licence.revision, format=fmt))
            path = out / name
            path.write_bytes(rendered[fmt])
            size = len(rendered[fmt])
            self.stdout.write(f"{path}  {size} bytes ({filesizeformat(size)})")
        for label in data.exclusions:
            self.stdout.write(f"excluded: {label}")
        self.stdout.write(
            self.style.SUCCESS(f"{len(rendered)} files for {article.slug} r{data.article.revision}")
        )
