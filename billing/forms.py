"""Staff forms: record an offline transfer, refund a payment."""

from __future__ import annotations

from django import forms


class OfflinePaymentForm(forms.Form):
    request_id = forms.IntegerField(widget=forms.HiddenInput)
    reference = forms.CharField(max_length=200, help_text="The bank transfer's reference.")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text="Leave empty to refund everything that is left.",
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
