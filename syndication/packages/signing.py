"""The service's Ed25519 package-signing key, and signing and checking with it.

The private key is PACKAGE_SIGNING_KEY (base64 of a 32-byte seed) when that setting exists,
otherwise it is derived from SECRET_KEY, so every deployment signs without extra set-up. The
public key is what the publisher publishes; partners check bundles with it alone."""

from __future__ import annotations

import base64
import hashlib

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

ALGORITHM = "Ed25519"


def signing_key() -> Ed25519PrivateKey:
    configured = getattr(settings, "PACKAGE_SIGNING_KEY", "")
    if configured:
        return Ed25519PrivateKey.from_private_bytes(base64.b64decode(configured))
    seed = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"syndication.packages.signing"
    ).derive(settings.SECRET_KEY.encode())
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_bytes(key: Ed25519PrivateKey | None = None) -> bytes:
    public_key = (key or signing_key()).public_key()
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_b64(key: Ed25519PrivateKey | None = None) -> str:
    """The key to publish: base64 of the 32 raw public-key bytes."""
    return base64.b64encode(public_key_bytes(key)).decode("ascii")


def key_id(public_key: bytes) -> str:
    """A short name for a public key, so a partner can tell which published key to use."""
    return hashlib.sha256(public_key).hexdigest()[:16]


def sign(message: bytes, key: Ed25519PrivateKey | None = None) -> str:
    return base64.b64encode((key or signing_key()).sign(message)).decode("ascii")


def verify(message: bytes, signature_b64: str, public_key_b64_value: str) -> bool:
    try:
        public_key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64_value))
        public_key.verify(base64.b64decode(signature_b64, validate=True), message)
    except (InvalidSignature, ValueError):
        return False
    return True
