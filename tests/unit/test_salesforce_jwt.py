"""The JWT bearer token: claims read without verification, RS256 signed with the standard library only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from services.models.salesforce_jwt import JwtError, RsaPrivateKey, bearer_claims, expiry, read_claims, sign
from tests.support.jwt_keys import pem, rsa_key, verified_claims

EXPIRES = datetime(2026, 12, 27, 10, 15, tzinfo=UTC)
CLAIMS = bearer_claims("3MVG9-consumer-key", "integration@acme.example", "https://login.salesforce.com", EXPIRES)


@pytest.mark.parametrize(("bits", "pkcs1"), [(2048, False), (2048, True), (3072, False), (4096, True)])
def test_a_signature_is_byte_for_byte_the_one_cryptography_makes(bits: int, pkcs1: bool) -> None:
    token = sign(CLAIMS, RsaPrivateKey.from_pem(pem(bits, pkcs1=pkcs1)))

    header, payload, signature = token.split(".")
    theirs = rsa_key(bits).sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    assert signature == _base64url(theirs)
    assert verified_claims(token, bits) == CLAIMS


def test_the_claims_are_salesforces_and_read_back_without_verifying() -> None:
    token = sign(CLAIMS, RsaPrivateKey.from_pem(pem()))

    assert read_claims(token) == {
        "iss": "3MVG9-consumer-key",
        "sub": "integration@acme.example",
        "aud": "https://login.salesforce.com",
        "exp": int(EXPIRES.timestamp()),
    }
    assert expiry(read_claims(token)) == EXPIRES
    assert expiry({"exp": "soon"}) is None and expiry({"exp": True}) is None and expiry({}) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (pem(password=b"hunter2"), "privateKey is encrypted: put the unencrypted PEM key"),
        ("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", r"privateKey is not a PEM RSA private key"),
        ("-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----", "not a readable RSA private key"),
        ("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----", "not a readable RSA private key"),
        (pem(1024), "shorter than 2048 bits"),
    ],
)
def test_an_unusable_key_is_named_without_its_content(text: str, problem: str) -> None:
    with pytest.raises(JwtError, match=problem) as refused:
        RsaPrivateKey.from_pem(text)

    assert "MII" not in str(refused.value) and refused.value.__cause__ is None
    assert "n=" not in repr(RsaPrivateKey.from_pem(pem()))


def test_a_key_whose_parts_do_not_match_fails_before_salesforce_sees_it() -> None:
    key = RsaPrivateKey.from_pem(pem())
    broken = RsaPrivateKey(key.n, key.e, key.d, key.p, key.q, key.dp + 2, key.dq, key.qinv)

    with pytest.raises(JwtError, match="does not hold a consistent RSA key"):
        sign(CLAIMS, broken)


def _base64url(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).decode().rstrip("=")
