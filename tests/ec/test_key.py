"""ECPublicKey: validated when made, named as OpenSSL names it, verifying as ecdsa.py does."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec as pyca_ec

from x509core.ec.curves import P256, P384, P521
from x509core.ec.key import ECPublicKey
from x509core.errors import InvalidSignature, InvalidValue


def _pyca_pair(curve, secret):
    pyca_curve = {P256: pyca_ec.SECP256R1(), P384: pyca_ec.SECP384R1(), P521: pyca_ec.SECP521R1()}[curve]
    private = pyca_ec.derive_private_key(secret, pyca_curve)
    numbers = private.public_key().public_numbers()
    return private, ECPublicKey(curve, numbers.x, numbers.y)


@pytest.mark.parametrize("curve, name, nist, bits", [
    (P256, "prime256v1", "P-256", 256), (P384, "secp384r1", "P-384", 384),
    (P521, "secp521r1", "P-521", 521)])
def test_names_and_size(curve, name, nist, bits):
    _, key = _pyca_pair(curve, 0xC0FFEE)
    assert (key.curve.name, key.curve.nist_name, key.key_size) == (name, nist, bits)
    assert repr(key).startswith(f"ECPublicKey(curve={nist}, x=0x")


def test_constructor_validates_the_point():
    with pytest.raises(InvalidValue, match="not on the curve"):
        ECPublicKey(P256, P256.gx, P256.gy + 1)
    with pytest.raises(InvalidValue, match="not in"):
        ECPublicKey(P256, P256.p, P256.gy)
    with pytest.raises(TypeError):
        ECPublicKey("P-256", P256.gx, P256.gy)
    with pytest.raises(TypeError):
        ECPublicKey(P256, str(P256.gx), P256.gy)


def test_value_semantics():
    a = ECPublicKey(P384, P384.gx, P384.gy)
    b = ECPublicKey.from_encoded_point(P384, a.to_encoded_point(compressed=True))
    assert a == b and hash(a) == hash(b)
    assert a != ECPublicKey(P256, P256.gx, P256.gy)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.x = 1
    assert a.to_encoded_point()[0] == 4 and len(a.to_encoded_point()) == 97
    assert len(a.to_encoded_point(compressed=True)) == 49


def test_verify_and_verify_digest():
    private, key = _pyca_pair(P256, 0x1234)
    signature = private.sign(b"data", pyca_ec.ECDSA(hashes.SHA384()))
    assert key.verify(signature, b"data", "sha384") is None
    import hashlib
    assert key.verify_digest(hashlib.sha384(b"data").digest(), signature) is None
    with pytest.raises(InvalidSignature):
        key.verify(signature, b"data")                 # the default hash is SHA-256
    assert key.to_pem().startswith("-----BEGIN PUBLIC KEY-----")
    assert len(key.to_der()) == 91 and len(key.to_der(compressed=True)) == 59
