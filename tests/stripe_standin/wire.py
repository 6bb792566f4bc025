"""Stripe's wire format for the stand-in: bracket-notation form bodies, error bodies, list pages,
ids, fixture-shaped objects and webhook signatures."""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
import re
import secrets
import string
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

FIXTURES_PATH = Path(__file__).resolve().parents[3] / "shared" / "stripe" / "fixtures3.json"
_ALPHABET = string.ascii_letters + string.digits
_KEY_PART = re.compile(r"\[([^\]]*)\]")


class StripeAPIError(Exception):
    """An error the stand-in answers with, in Stripe's shape and status."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": type, "code": code, "message": message, "param": param}}
        if code is None:
            del self.body["error"]["code"]
        if param is None:
            del self.body["error"]["param"]


def missing(param: str) -> StripeAPIError:
    return StripeAPIError(
        400, f"Missing required param: {param}.", code="parameter_missing", param=param
    )


def no_such(kind: str, object_id: str, param: str = "id") -> StripeAPIError:
    return StripeAPIError(
        404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param
    )


def new_id(prefix: str, length: int = 24) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


@functools.cache
def _fixtures() -> dict[str, Any]:
    return json.loads(FIXTURES_PATH.read_text())["resources"]


def fixture(resource: str) -> dict[str, Any]:
    """A fresh deep copy of Stripe's own example object, to overwrite field by field."""
    return copy.deepcopy(_fixtures()[resource])


def decode_form(body: str) -> dict[str, Any]:
    """`a[b][0][c]=1&expand[]=x&metadata[k]=v` -> {"a": {"b": [{"c": "1"}]}, "expand": ["x"], ...}.

    Values stay strings, as Stripe receives them; numeric keys become list indexes."""
    root: dict[str, Any] = {}
    for raw_key, value in parse_qsl(body, keep_blank_values=True):
        head = raw_key.split("[", 1)[0]
        parts = [head, *_KEY_PART.findall(raw_key[len(head) :])]
        node: dict[str, Any] = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":  # `expand[]`: append to a list
                node.setdefault("__append__", []).append(value)
                break
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if "__append__" in node and len(node) == 1:
        return [_listify(v) for v in node["__append__"]]
    if node and all(key.isdigit() for key in node):
        return [_listify(node[key]) for key in sorted(node, key=int)]
    return {key: _listify(value) for key, value in node.items()}


def as_int(params: dict[str, Any], name: str, *, required: bool = False) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        if required:
            raise missing(name)
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise StripeAPIError(
            400, f"Invalid integer: {raw}", code="parameter_invalid_integer", param=name
        ) from None


def as_metadata(raw: Any) -> dict[str, str]:
    if raw in (None, ""):
        return {}
    if not isinstance(raw, dict):
        raise StripeAPIError(400, "Invalid metadata: must be a hash", param="metadata")
    # Stripe drops a key set to the empty string.
    return {str(k): str(v) for k, v in raw.items() if v != ""}


def as_list_of_strings(raw: Any) -> list[str]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, dict):  # `expand[0]=a` arrives as a numbered dict when out of order
        return [str(v) for _, v in sorted(raw.items())]
    return [str(v) for v in raw]


def list_page(objects: list[dict[str, Any]], params: dict[str, Any], url: str) -> dict[str, Any]:
    """One page of a list endpoint, newest first, with `created[gte|gt|lte|lt]`, `limit` and
    `starting_after`/`ending_before`, as Stripe pages them."""
    created = params.get("created")
    rows = sorted(objects, key=lambda o: (o["created"], o["_seq"]), reverse=True)
    if isinstance(created, dict):
        bounds = {op: as_int(created, op) for op in ("gte", "gt", "lte", "lt")}
        rows = [
            o
            for o in rows
            if (bounds["gte"] is None or o["created"] >= bounds["gte"])
            and (bounds["gt"] is None or o["created"] > bounds["gt"])
            and (bounds["lte"] is None or o["created"] <= bounds["lte"])
            and (bounds["lt"] is None or o["created"] < bounds["lt"])
        ]
    elif created not in (None, ""):
        rows = [o for o in rows if o["created"] == as_int(params, "created")]
    limit = as_int(params, "limit") or 10
    if not 1 <= limit <= 100:
        raise StripeAPIError(400, "Limit must be between 1 and 100.", param="limit")
    ids = [o["id"] for o in rows]
    if after := params.get("starting_after"):
        if after not in ids:
            raise no_such("object", after, "starting_after")
        rows = rows[ids.index(after) + 1 :]
        page = rows[:limit]
    elif before := params.get("ending_before"):
        if before not in ids:
            raise no_such("object", before, "ending_before")
        rows = rows[: ids.index(before)]
        page = rows[-limit:]
    else:
        page = rows[:limit]
    return {"object": "list", "data": page, "has_more": len(rows) > len(page), "url": url}


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """`Stripe-Signature` exactly as Stripe builds it: HMAC-SHA256 of "<t>.<payload>"."""
    signed = f"{timestamp}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def strip_private(obj: Any) -> Any:
    """A deep copy without the stand-in's bookkeeping keys (those starting with "_")."""
    if isinstance(obj, dict):
        return {k: strip_private(v) for k, v in obj.items() if not k.startswith("_")}
    if isinstance(obj, list):
        return [strip_private(v) for v in obj]
    return obj
