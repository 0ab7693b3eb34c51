"""RSA keys for the JWT tests, made once per run with ``cryptography`` (a test dependency, through moto only)."""

from __future__ import annotations

import base64
import json
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(bits: int = 2048, *, pkcs1: bool = False, password: bytes = b"") -> str:
    """The key as a PEM: PKCS#8 (``openssl req -nodes``) by default, PKCS#1 (``BEGIN RSA PRIVATE KEY``) on demand."""
    form = serialization.PrivateFormat.TraditionalOpenSSL if pkcs1 else serialization.PrivateFormat.PKCS8
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return rsa_key(bits).private_bytes(serialization.Encoding.PEM, form, encryption).decode()


def verified_claims(token: str, bits: int = 2048) -> dict[str, Any]:
    """The token's claims, after ``cryptography`` verified its RS256 signature with the key's public half."""
    header, payload, signature = token.split(".")
    assert json.loads(_unbase64url(header)) == {"alg": "RS256"}
    rsa_key(bits).public_key().verify(
        _unbase64url(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    claims: dict[str, Any] = json.loads(_unbase64url(payload))
    return claims


def _unbase64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
