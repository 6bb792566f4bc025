"""Forms of the partner portal. They only shape input; every write is a service's."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import RequestStatus


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *RequestStatus.choices],
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RenewForm(forms.Form):
    # Not required here: the service refuses an unaccepted renewal and names this field.
    accept_terms = forms.BooleanField(
        label=_("I accept the licence terms for this renewal"),
        required=False,
        help_text=_("The renewal is priced with today's rate card, shown above."),
    )


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        help_text=_("Where the key will be used, e.g. “CMS production”."),
    )


class WebhookEndpointForm(forms.Form):
    url = forms.CharField(
        label=_("Webhook URL"),
        max_length=500,
        help_text=_("HTTPS only. We POST signed JSON events here."),
        widget=forms.URLInput(attrs={"autocomplete": "url", "inputmode": "url"}),
    )
    active = forms.BooleanField(label=_("Send events to this URL"), required=False, initial=True)
