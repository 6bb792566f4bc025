"""The public republish form: who is asking, and the use they want priced and licensed."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from licensing.models import Portion, RateCard, UseType
from licensing.quoting import UseSpec
from syndication.models import PartnerType

# Suggestions for the country box; any two-letter ISO code may be typed.
COMMON_COUNTRIES = [
    ("GB", _("United Kingdom")),
    ("IE", _("Ireland")),
    ("US", _("United States")),
    ("CA", _("Canada")),
    ("AU", _("Australia")),
    ("NZ", _("New Zealand")),
    ("FR", _("France")),
    ("DE", _("Germany")),
    ("ES", _("Spain")),
    ("IT", _("Italy")),
    ("NL", _("Netherlands")),
    ("IN", _("India")),
    ("ZA", _("South Africa")),
    ("NG", _("Nigeria")),
    ("KE", _("Kenya")),
    ("EG", _("Egypt")),
    ("AE", _("United Arab Emirates")),
    ("JP", _("Japan")),
]
COUNTRY_RE = re.compile(r"^[A-Za-z]{2}$")

# Fields that only describe the requester; a live quote does not need them yet.
CONTACT_FIELDS = ("contact_name", "contact_email", "outlet")
# Fields that do not change the price (the live-quote script skips them too): a mistake in one
# of them must not hide the quote for a use that is otherwise valid.
UNPRICED_FIELDS = frozenset(
    {*CONTACT_FIELDS, "website", "intended_url", "message", "accept_terms", "website_url",
     "translation_language"}
)  # fmt: skip
# Services name a few fields differently from the form.
SERVICE_FIELD_ALIASES = {"excerpt": "excerpt_words", "language": "translation_language"}


class RepublishForm(forms.Form):
    """Quote mode needs only what prices the use; submit mode needs the contact and the terms."""

    contact_name = forms.CharField(label=_("Your name"), max_length=200)
    contact_email = forms.EmailField(
        label=_("Email"), help_text=_("We send the status link and the licence here.")
    )
    outlet = forms.CharField(label=_("Outlet name"), max_length=200)
    website = forms.URLField(label=_("Website"), required=False, max_length=200)
    requester_type = forms.ChoiceField(label=_("You are"), choices=PartnerType.choices)
    country = forms.CharField(
        label=_("Country"),
        help_text=_("Two-letter ISO code, e.g. GB or FR."),
    )
    reach = forms.IntegerField(
        label=_("Audience"),
        min_value=0,
        help_text=_("Monthly unique visitors, or print circulation, whichever is larger."),
    )
    use_type = forms.ChoiceField(label=_("Use"), choices=UseType.choices)
    portion = forms.ChoiceField(label=_("Portion"), choices=Portion.choices)
    excerpt_words = forms.IntegerField(
        label=_("Excerpt length (words)"),
        required=False,
        min_value=1,
        help_text=_("Only for an excerpt."),
    )
    territory = forms.ChoiceField(label=_("Territory"))
    term = forms.ChoiceField(label=_("Term"))
    exclusive = forms.BooleanField(label=_("Exclusive in the territory"), required=False)
    translation = forms.BooleanField(label=_("We will translate it"), required=False)
    translation_language = forms.CharField(
        label=_("Into which language"),
        max_length=16,
        required=False,
        help_text=_("Only when you translate it."),
    )
    include_images = forms.BooleanField(label=_("Include images"), required=False, initial=True)
    intended_url = forms.URLField(
        label=_("Where it will appear (URL)"), required=False, max_length=500
    )
    message = forms.CharField(
        label=_("Message to the syndication desk"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    accept_terms = forms.BooleanField(label=_("I accept the licence terms"), required=False)
    # Honeypot: hidden from people and assistive technology; only bots fill it in.
    website_url = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, card: RateCard, mode: str = "submit", **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.mode = mode
        territory = cast(forms.ChoiceField, self.fields["territory"])
        term = cast(forms.ChoiceField, self.fields["term"])
        territory.choices = [(t.code, t.label) for t in card.territories.all()]
        term.choices = [(t.code, t.label) for t in card.terms.all()]
        if mode == "quote":
            for name in CONTACT_FIELDS:
                self.fields[name].required = False
        self.fields["country"].widget.attrs.update(
            {"list": "country-list", "autocomplete": "country", "pattern": "[A-Za-z]{2}",
             "size": "3", "maxlength": "2"}
        )  # fmt: skip
        self.fields["contact_name"].widget.attrs["autocomplete"] = "name"
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        self.fields["outlet"].widget.attrs["autocomplete"] = "organization"
        self.fields["website"].widget.attrs["autocomplete"] = "url"
        self.fields["reach"].widget.attrs.update({"inputmode": "numeric", "step": "1"})

    @property
    def priceable(self) -> bool:
        """Whether cleaned_data holds everything a quote needs: every field that changes the
        price is valid, whatever is wrong elsewhere. Validates the form if it has not been."""
        # Non-field errors sit under "__all__", which is never unpriced.
        return self.is_valid() or self.errors.keys() <= UNPRICED_FIELDS

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get(self.add_prefix("website_url")) or "").strip())

    def clean_country(self) -> str:
        country = self.cleaned_data["country"].strip()
        if not COUNTRY_RE.match(country):
            raise forms.ValidationError(_("Enter a two-letter country code, e.g. GB."))
        return country.upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("portion") == Portion.EXCERPT and not data.get("excerpt_words"):
            self.add_error("excerpt_words", _("Say how many words the excerpt will have."))
        if data.get("translation") and not (data.get("translation_language") or "").strip():
            self.add_error("translation_language", _("Say which language you will translate into."))
        if self.mode == "submit" and not data.get("accept_terms"):
            self.add_error("accept_terms", _("Accept the licence terms to send the request."))
        return data

    def use_spec(self) -> UseSpec:
        data = self.cleaned_data
        excerpt = data.get("excerpt_words") if data["portion"] == Portion.EXCERPT else None
        return UseSpec(
            use_type=data["use_type"],
            portion=data["portion"],
            excerpt_words=excerpt,
            territory=data["territory"],
            term=data["term"],
            exclusive=data["exclusive"],
            translation=data["translation"],
            include_images=data["include_images"],
            reach=data["reach"],
        )
