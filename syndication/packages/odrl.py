"""licence.json: the licence as an ODRL 2.2 Agreement in the IPTC RightsML profile (JSON-LD).

The JSON-LD context is written inline, so the document parses with no network access. Every
property, class, action, operand and operator comes from the ODRL 2.2 vocabulary; RightsML
contributes the profile and the IPTC code lists used for values (ISO countries and currencies).
Two choices the standards leave open, made here:
- "no changes beyond house style" is a prohibition of `modify` constrained to every purpose
  other than `house-style`;
- exclusivity has no ODRL term; it is printed in the terms and the certificate instead.
"""

from __future__ import annotations

import json
from typing import Any

from syndication.packages.data import PackageData

ODRL = "http://www.w3.org/ns/odrl/2/"
RIGHTSML_PROFILE = "https://iptc.org/std/RightsML/odrl-profile/"
# IPTC's code lists for ISO 3166 countries and ISO 4217 currencies, as RightsML recommends.
COUNTRY_CODES = "http://cvx.iptc.org/iso3166-1a2/"
CURRENCY_CODES = "http://cvx.iptc.org/iso4217a/"
XSD = "http://www.w3.org/2001/XMLSchema#"

_IRI = {"@type": "@id"}
CONTEXT: dict[str, Any] = {
    "@vocab": ODRL,
    "odrl": ODRL,
    "xsd": XSD,
    "uid": "@id",
    "type": "@type",
    "Agreement": "odrl:Agreement",
    "profile": {"@id": "odrl:profile", **_IRI},
    "assigner": {"@id": "odrl:assigner", **_IRI},
    "assignee": {"@id": "odrl:assignee", **_IRI},
    "attributedParty": {"@id": "odrl:attributedParty", **_IRI},
    "target": {"@id": "odrl:target", **_IRI},
    "permission": {"@id": "odrl:permission", "@container": "@set"},
    "prohibition": {"@id": "odrl:prohibition", "@container": "@set"},
    "duty": {"@id": "odrl:duty", "@container": "@set"},
    "constraint": {"@id": "odrl:constraint", "@container": "@set"},
    "action": {"@id": "odrl:action", "@type": "@vocab"},
    "leftOperand": {"@id": "odrl:leftOperand", "@type": "@vocab"},
    "operator": {"@id": "odrl:operator", "@type": "@vocab"},
    "rightOperand": {"@id": "odrl:rightOperand"},
    "unit": {"@id": "odrl:unit", **_IRI},
}


def _constraint(left: str, operator: str, right: Any, **extra: Any) -> dict[str, Any]:
    return {"leftOperand": left, "operator": operator, "rightOperand": right, **extra}


def _date(value: Any) -> dict[str, str]:
    return {"@value": value.isoformat(), "@type": "xsd:date"}


def licensee_iri(data: PackageData) -> str:
    domains = data.licence.partner_domains
    return f"https://{domains[0]}/" if domains else f"{data.licence.verify_url}#licensee"


def licence_policy(data: PackageData) -> dict[str, Any]:
    licence, article = data.licence, data.article
    parties = {
        "assigner": data.publication.site_url,
        "assignee": licensee_iri(data),
        "target": article.canonical_url,
    }
    constraints = [_constraint("dateTime", "gteq", _date(licence.starts_on))]
    if licence.ends_on is not None:
        constraints.append(_constraint("dateTime", "lteq", _date(licence.ends_on)))
    if licence.territory_countries:
        constraints.append(
            _constraint(
                "spatial",
                "isAnyOf",
                [{"@id": COUNTRY_CODES + code.upper()} for code in licence.territory_countries],
            )
        )
    constraints.append(_constraint("deliveryChannel", "eq", licence.use))
    if licence.partner_domains:
        constraints.append(_constraint("virtualLocation", "isAnyOf", list(licence.partner_domains)))
    duties: list[dict[str, Any]] = [
        {"action": "attribute", "attributedParty": data.publication.site_url}
    ]
    if licence.fee > 0:
        duties.append(
            {
                "action": "compensate",
                "constraint": [
                    _constraint(
                        "payAmount",
                        "eq",
                        {"@value": f"{licence.fee:.2f}", "@type": "xsd:decimal"},
                        unit=CURRENCY_CODES + licence.currency.upper(),
                    )
                ],
            }
        )
    return {
        "@context": CONTEXT,
        "type": "Agreement",
        "uid": licence.verify_url,
        "profile": RIGHTSML_PROFILE,
        **parties,
        "permission": [
            {**parties, "action": "distribute", "constraint": constraints, "duty": duties}
        ],
        "prohibition": [
            {
                **parties,
                "action": "modify",
                "constraint": [_constraint("purpose", "neq", "house-style")],
            }
        ],
    }


def render_licence_json(data: PackageData) -> bytes:
    return json.dumps(licence_policy(data), ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
