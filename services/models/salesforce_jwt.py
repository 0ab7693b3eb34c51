"""The JWT of Salesforce's OAuth 2.0 JWT bearer flow: its claims read without verification, and RS256 signing.

Signing uses the standard library only. RS256 is RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 section 3.3, RFC 8017
section 8.2): deterministic, no randomness in the padding, so it is a DER reader for the private key and one modular
exponentiation. The ``cryptography`` package would do the same, but it is not in the Lambda runtime and its arm64
wheels (with ``cffi``) would add about 5 MB to a 4.2 MB zip for a call made once a fortnight
(docs/operations.md, "Connecting Salesforce"). The tests check every signature against ``cryptography`` byte for
byte. The exponentiation is blinded and its result verified with the public exponent, so a key whose parts do not
match fails here, not at Salesforce.

Nothing here logs, and no error carries a key, a claim value or a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_JWT = re.compile(r"^[A-Za-z0-9_=-]+\.[A-Za-z0-9_=-]+\.[A-Za-z0-9_\-+/=]*$")
_PEM = re.compile(r"-----BEGIN (RSA )?PRIVATE KEY-----(.+?)-----END (RSA )?PRIVATE KEY-----", re.DOTALL)
_RSA_ENCRYPTION = bytes.fromhex("2a864886f70d010101")
"""The OID 1.2.840.113549.1.1.1 (rsaEncryption), DER-encoded."""
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
"""DER of DigestInfo(sha256, NULL) up to the hash itself (RFC 8017 section 9.2, note 1)."""
_HEADER = base64.urlsafe_b64encode(b'{"alg":"RS256"}').decode().rstrip("=")


class JwtError(ValueError):
    """The token or the key cannot be used; the message names the problem, never a value."""


def read_claims(token: str, name: str = "jwtToken") -> dict[str, Any]:
    """The payload's claims, decoded without verifying the signature (Salesforce verifies it).

    ``name`` is the secret's field the token came from, for the error message.
    """
    if not _JWT.match(token):
        raise JwtError(f"{name} is not a JWT (header.payload.signature, base64url)")
    try:
        claims = json.loads(_unbase64url(token.split(".")[1]))
    except (binascii.Error, ValueError):
        raise JwtError(f"{name}'s payload is not base64url JSON") from None
    if not isinstance(claims, dict):
        raise JwtError(f"{name}'s payload is not a JSON object")
    return claims


def expiry(claims: dict[str, Any]) -> datetime | None:
    """When the token expires (``exp``, seconds since the epoch), or None when it has no usable ``exp``."""
    expires = claims.get("exp")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        return None
    return datetime.fromtimestamp(expires, UTC)


def bearer_claims(client_id: str, username: str, audience: str, expires: datetime) -> dict[str, Any]:
    """Salesforce's claims: ``iss`` the consumer key, ``sub`` the user, ``aud`` the login host, ``exp``."""
    return {"iss": client_id, "sub": username, "aud": audience, "exp": int(expires.timestamp())}


def sign(claims: dict[str, Any], key: RsaPrivateKey) -> str:
    """The compact JWT of ``claims``, signed RS256 with header ``{"alg":"RS256"}`` as Salesforce documents."""
    signing_input = f"{_HEADER}.{_base64url(_compact(claims))}"
    return f"{signing_input}.{_base64url(key.sign_pkcs1v15_sha256(signing_input.encode()))}"


@dataclass(frozen=True)
class RsaPrivateKey:
    """An RSA private key (its repr shows the size only)."""

    n: int = field(repr=False)
    e: int = field(repr=False)
    d: int = field(repr=False)
    p: int = field(repr=False)
    q: int = field(repr=False)
    dp: int = field(repr=False)
    dq: int = field(repr=False)
    qinv: int = field(repr=False)

    @property
    def bits(self) -> int:
        return self.n.bit_length()

    @classmethod
    def from_pem(cls, pem: str) -> RsaPrivateKey:
        """An unencrypted PEM key: PKCS#8 (``BEGIN PRIVATE KEY``, what ``openssl req -nodes`` writes) or PKCS#1."""
        if "ENCRYPTED" in pem:
            raise JwtError(
                "privateKey is encrypted: put the unencrypted PEM key (the secret is encrypted with the KMS key)"
            )
        found = _PEM.search(pem)
        if not found:
            raise JwtError("privateKey is not a PEM RSA private key (-----BEGIN PRIVATE KEY-----)")
        try:
            der = base64.b64decode("".join(found.group(2).split()), validate=True)
            numbers = _rsa_numbers(der if found.group(1) else _pkcs8_inner(der))
        except (binascii.Error, ValueError, IndexError):
            raise JwtError("privateKey is not a readable RSA private key (PKCS#8 or PKCS#1 PEM)") from None
        key = cls(*numbers)
        if key.bits < 2048:
            raise JwtError("privateKey is shorter than 2048 bits: make a 2048-bit key or longer")
        return key

    def sign_pkcs1v15_sha256(self, message: bytes) -> bytes:
        size = (self.bits + 7) // 8
        digest_info = _SHA256_DIGEST_INFO + hashlib.sha256(message).digest()
        padded = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
        m = int.from_bytes(padded, "big")
        blind = secrets.randbelow(self.n - 2) + 2
        s = self._private(m * pow(blind, self.e, self.n) % self.n) * pow(blind, -1, self.n) % self.n
        if pow(s, self.e, self.n) != m:
            raise JwtError("privateKey does not hold a consistent RSA key (the signature does not verify)")
        return s.to_bytes(size, "big")

    def _private(self, c: int) -> int:
        """c^d mod n by the Chinese remainder theorem (RFC 8017 section 5.1.2)."""
        m1 = pow(c, self.dp, self.p)
        m2 = pow(c, self.dq, self.q)
        return m2 + (self.qinv * (m1 - m2) % self.p) * self.q


# --- DER, only as much as an RSA private key needs ----------------------------------------------------------------


def _pkcs8_inner(der: bytes) -> bytes:
    """PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING RSAPrivateKey }."""
    body = _expect(der, 0, 0x30)[0]
    _version, rest = _next(body)
    algorithm, rest = _next(rest)
    if _RSA_ENCRYPTION not in algorithm[1]:
        raise ValueError("not an RSA key")
    (tag, inner), _ = _next(rest)
    if tag != 0x04:
        raise ValueError("no OCTET STRING")
    return inner


def _rsa_numbers(der: bytes) -> tuple[int, ...]:
    """RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv } (two primes only)."""
    rest = _expect(der, 0, 0x30)[0]
    numbers = []
    for _ in range(9):
        (tag, value), rest = _next(rest)
        if tag != 0x02:
            raise ValueError("not an INTEGER")
        numbers.append(int.from_bytes(value, "big"))
    if numbers[0] != 0:
        raise ValueError("a multi-prime key")
    return tuple(numbers[1:])


def _expect(der: bytes, at: int, tag: int) -> tuple[bytes, bytes]:
    (found, value), rest = _next(der[at:])
    if found != tag:
        raise ValueError("unexpected tag")
    return value, rest


def _next(der: bytes) -> tuple[tuple[int, bytes], bytes]:
    """The first TLV of ``der`` as (tag, value), and what follows it."""
    tag, length, at = der[0], der[1], 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("bad length")
        length, at = int.from_bytes(der[2 : 2 + count], "big"), 2 + count
    if at + length > len(der):
        raise ValueError("truncated")
    return (tag, der[at : at + length]), der[at + length :]


def _compact(value: dict[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unbase64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
