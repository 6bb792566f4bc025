"""Aftercare records: correction notices and their acknowledgements, the notices each licence has
had (expiry, revocation), republished views counted by the tracking pixel, and compliance alerts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from licensing.models import Licence
from syndication.models import ArticleRevision


class CorrectionNotice(models.Model):
    """A licensee told of a new revision of the article it licensed; one per licence and
    revision, so a repeated correction run tells nobody twice."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="corrections")
    revision = models.ForeignKey(ArticleRevision, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # Who acknowledged: "api:<key prefix>", "portal:<username>", "staff:<username>".
    acknowledged_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["licence", "revision"], name="uniq_correction_notice")
        ]
        indexes = [models.Index(fields=["licence", "acknowledged_at"], name="correction_ack_idx")]

    def __str__(self) -> str:
        return f"{self.licence_id} r{self.revision_id}"

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


class NoticeKind(models.TextChoices):
    EXPIRING = "expiring", _("Expiring soon")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class LicenceNotice(models.Model):
    """A notice (email and webhook) a licence has had: the unique row makes each one once-only
    whichever sweep or service gets there first."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=10, choices=NoticeKind.choices)
    # For reminders: how many days before the end; 0 otherwise.
    days_before = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "kind", "days_before"], name="uniq_licence_notice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} {self.days_before}"


class LicenceView(models.Model):
    """One visitor's first view of a republished article on one day (the pixel). Counts are
    rows: views per licence, day and referrer are a GROUP BY. `visitor_hash` is
    sha256(daily salt + IP + user agent); no IP address is stored."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="views")
    day = models.DateField()
    visitor_hash = models.CharField(max_length=64)
    referrer_host = models.CharField(max_length=255, blank=True)
    # Path only: query strings can carry a reader's tokens or e-mail address.
    referrer_path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-day", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "day", "visitor_hash"], name="uniq_licence_view_visitor"
            )
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.day} {self.referrer_host}"


class AlertKind(models.TextChoices):
    VIEW_AFTER_EXPIRY = "view_after_expiry", _("Viewed after expiry")
    VIEW_AFTER_REVOCATION = "view_after_revocation", _("Viewed after revocation")
    VIEW_OUTSIDE_DOMAIN = "view_outside_domain", _("Viewed outside the licensee's domains")


class ComplianceAlert(models.Model):
    """Use that breaks a licence's terms, seen by the pixel; one open alert per licence and kind
    gathers every sighting until staff resolve it."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=24, choices=AlertKind.choices)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    # The latest referring page (host and path), when the browser sent one.
    referrer = models.CharField(max_length=560, blank=True)
    resolved = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["resolved", "-last_seen", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence", "kind"],
                condition=Q(resolved=False),
                name="uniq_open_compliance_alert",
            )
        ]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.kind} x{self.count}"
