"""Admin forms: the rate card form that checks a card and its rows together with the quote
engine's own validator, and the small forms staff fill in before a review action runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.forms.models import BaseModelFormSet

from licensing.models import (
    BaseFee,
    BundleDiscount,
    Factor,
    FactorDimension,
    FreeUse,
    ReachTier,
    Term,
    Territory,
)
from licensing.quoting import (
    BundleDiscount as BundleData,
)
from licensing.quoting import (
    FreeUse as FreeUseData,
)
from licensing.quoting import (
    RateCardData,
    TermOption,
    TerritoryOption,
    validate_rate_card,
)
from licensing.quoting import (
    ReachTier as ReachTierData,
)

REQUESTER, MEDIUM = FactorDimension.REQUESTER.value, FactorDimension.MEDIUM.value
# validate_rate_card names these groups of rows; the card form shows them as non-field errors.
ROW_GROUPS = {
    "base_fees": "Base fees",
    "requester_factors": "Factors (requester type)",
    "medium_factors": "Factors (medium)",
    "reach_tiers": "Reach tiers",
    "territories": "Territories",
    "terms": "Terms",
    "bundle_discounts": "Bundle discounts",
    "free_uses": "Free uses",
}


def _rows(formset: BaseModelFormSet | None) -> list[dict[str, Any]]:
    """The rows a valid formset will save: filled in and not marked for deletion."""
    if formset is None:
        return []
    return [
        form.cleaned_data
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


def card_data_from_forms(
    card: Mapping[str, Any], formsets: Mapping[Any, BaseModelFormSet]
) -> RateCardData:
    """The card as the quote engine sees it, built from what staff typed (nothing is saved)."""
    factors = _rows(formsets.get(Factor))
    fees = _rows(formsets.get(BaseFee))
    return RateCardData(
        id=0,
        version=card.get("version") or 0,
        name=card.get("name") or "",
        currency=card["currency"],
        base_fees={(r["use_type"], r["portion"]): r["amount"] for r in fees},
        excerpt_max_words=card["excerpt_max_words"],
        requester_factors={r["key"]: r["factor"] for r in factors if r["dimension"] == REQUESTER},
        medium_factors={r["key"]: r["factor"] for r in factors if r["dimension"] == MEDIUM},
        reach_tiers=tuple(
            ReachTierData(min_reach=r["min_reach"], factor=r["factor"])
            for r in _rows(formsets.get(ReachTier))
        ),
        territories=tuple(
            TerritoryOption(
                code=r["code"],
                label=r["label"],
                countries=tuple(r.get("countries") or ()),
                factor=r["factor"],
            )
            for r in _rows(formsets.get(Territory))
        ),
        terms=tuple(
            TermOption(code=r["code"], label=r["label"], days=r.get("days"), factor=r["factor"])
            for r in _rows(formsets.get(Term))
        ),
        exclusivity_factor=card["exclusivity_factor"],
        translation_factor=card["translation_factor"],
        image_fee=card["image_fee"],
        premium_surcharge_percent=card["premium_surcharge_percent"],
        bundle_discounts=tuple(
            BundleData(min_articles=r["min_articles"], percent=r["percent"])
            for r in _rows(formsets.get(BundleDiscount))
        ),
        minimum_fee=card["minimum_fee"],
        rounding_increment=card["rounding_increment"],
        free_uses=tuple(
            FreeUseData(
                label=r["label"],
                use_type=r.get("use_type") or None,
                requester_type=r.get("requester_type") or None,
            )
            for r in _rows(formsets.get(FreeUse))
        ),
        auto_approve_free=card["auto_approve_free"],
        auto_approve_verified_max=card.get("auto_approve_verified_max"),
        blocked_countries=tuple(str(c).upper() for c in card.get("blocked_countries") or ()),
        validity_days=card["validity_days"],
    )


class RateCardForm(forms.ModelForm):
    """The card and its rows are one set of rules: clean() checks them together. The admin hands
    the inline formsets over through `inline_formsets` before the form is validated."""

    # No Meta: the admin builds the form for RateCard with the fields of its fieldsets.
    inline_formsets: Iterable[BaseModelFormSet] | None = None

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        formsets = list(self.inline_formsets or ())
        # Field errors first: the engine's checks need every value, and the rows' own errors
        # show beside the rows.
        if self.errors or not all(formset.is_valid() for formset in formsets):
            return cleaned
        by_model: dict[Any, BaseModelFormSet] = {formset.model: formset for formset in formsets}
        data = card_data_from_forms(self.cleaned_data, by_model)
        for field, message in validate_rate_card(data):
            if field in self.fields:
                self.add_error(field, message)
            else:
                self.add_error(None, f"{ROW_GROUPS.get(field, field)}: {message}")
        return cleaned


# ---------------------------------------------------------------------------------------------
# Review actions
# ---------------------------------------------------------------------------------------------

TEXTAREA = forms.Textarea(attrs={"rows": 4, "cols": 60})


class ApproveForm(forms.Form):
    note = forms.CharField(
        required=False,
        widget=TEXTAREA,
        help_text="Optional. Recorded in the audit trail and sent to the partner.",
    )


class RefuseForm(forms.Form):
    reason = forms.CharField(widget=TEXTAREA, help_text="Sent to the partner.")


class RepriceForm(forms.Form):
    total = forms.DecimalField(
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        help_text="The new total in the request's currency. The quote gains a staff line.",
    )
    reason = forms.CharField(widget=TEXTAREA, help_text="Shown on the quote and sent.")


class AskInfoForm(forms.Form):
    question = forms.CharField(widget=TEXTAREA, help_text="Emailed to the partner's contact.")


class WithdrawForm(forms.Form):
    reason = forms.CharField(widget=TEXTAREA, help_text="Why the approval is called off.")


class MarkPaidForm(forms.Form):
    note = forms.CharField(
        widget=TEXTAREA,
        help_text="How the money arrived, e.g. “Bank transfer, ref NGD-2211”.",
    )
