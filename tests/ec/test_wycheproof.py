"""Project Wycheproof's ECDSA vectors, read unchanged from ../shared/vectors (README.md there):
every file ``ecdsa_*`` (P-256, P-384, P-521; SHA-2 and SHA-3; DER ``Ecdsa-Sig-Value`` and
IEEE P1363 r || s).

Every ``valid`` case must verify and every ``invalid`` case must be refused with
:class:`InvalidSignature` and its one message. ``acceptable`` cases are decided by
:data:`ACCEPTABLE_DECISIONS`, keyed by the Wycheproof flag that makes them acceptable, and the
decision is checked like any other expectation; an acceptable case whose flags are not in the
table fails the test. The snapshot in ../shared (commit dac1dd47) has no acceptable ECDSA case:
:func:`test_acceptable_cases_are_counted` asserts that count, so a new snapshot that adds some
fails until each is decided here.

Each group's public key is read three ways — ``publicKeyDer`` through the SPKI reader,
``publicKey.uncompressed`` through the point decoder, ``publicKeyPem`` through the PEM loader —
and all three must give the key of ``wx``/``wy``. The cases are verified with the SPKI key.

The full set (7,212 cases) runs under both backends, so no subset is taken: on the 2-core
machine it takes 3-7 s with gmpy2 and 11-25 s on the pure-Python backend (idle and loaded),
well inside the suite's budget.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import require_shared
from x509core.ec import ECPublicKey, keys
from x509core.ec.curves import curve_by_name
from x509core.errors import InvalidSignature

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "vectors" / "wycheproof" / "testvectors_v1"

HASHES = {"SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512",
          "SHA3-224": "sha3_224", "SHA3-256": "sha3_256", "SHA3-384": "sha3_384",
          "SHA3-512": "sha3_512"}

# How an `acceptable` case would be decided, by the Wycheproof flag that makes it acceptable.
ACCEPTABLE_DECISIONS = {
    # r or s in BER but not DER (long-form lengths, indefinite lengths, ...): the signature is
    # read with the strict DER reader (STYLE §5, ecdsa.py), so it is refused.
    "BerEncodedSignature": "invalid",
    # A positive r or s encoded without its leading 0x00 reads as a negative INTEGER, which the
    # range check of FIPS 186-5 §6.4.2 step 1 refuses; the DER is not re-interpreted.
    "MissingZero": "invalid",
}

FILES = sorted(p.name for p in VECTORS.glob("ecdsa_*_test.json")) if VECTORS.exists() else []


def _load(name: str) -> dict:
    data = json.loads(require_shared(VECTORS / name).read_text())
    total = sum(len(group["tests"]) for group in data["testGroups"])
    assert total == data["numberOfTests"], f"{name}: {total} cases, header says {data['numberOfTests']}"
    return data


def test_every_ecdsa_file_is_here():
    require_shared(VECTORS)
    assert len(FILES) == 16, FILES
    assert sum("p1363" in name for name in FILES) == 5
    assert {name.split("_")[1] for name in FILES} == {"secp256r1", "secp384r1", "secp521r1"}


def _group_key(group: dict) -> ECPublicKey:
    """The group's key from publicKeyDer, checked equal to the other two forms and to wx, wy."""
    data = group["publicKey"]
    curve = curve_by_name(data["curve"])
    from_der = keys.load_der_public_key(bytes.fromhex(group["publicKeyDer"]))
    from_point = ECPublicKey.from_encoded_point(curve, bytes.fromhex(data["uncompressed"]))
    from_pem = keys.load_pem_public_key(group["publicKeyPem"])
    expected = ECPublicKey(curve, int(data["wx"], 16), int(data["wy"], 16))
    assert from_der == from_point == from_pem == expected
    assert from_der.key_size == data["keySize"]
    assert keys.public_key_to_der(from_der) == bytes.fromhex(group["publicKeyDer"])
    return from_der


def _expected(test: dict) -> str:
    if test["result"] != "acceptable":
        return test["result"]
    decisions = {ACCEPTABLE_DECISIONS[f] for f in test["flags"] if f in ACCEPTABLE_DECISIONS}
    assert len(decisions) == 1, f"tcId {test['tcId']}: undecided acceptable case, flags {test['flags']}"
    return decisions.pop()


@pytest.mark.parametrize("name", FILES)
def test_ecdsa_verify(name, record_property):
    data = _load(name)
    encoding = "p1363" if "_p1363_" in name else "der"
    failures, counts = [], Counter()
    for group in data["testGroups"]:
        key, hash_name = _group_key(group), HASHES[group["sha"]]
        for test in group["tests"]:
            try:
                key.verify(bytes.fromhex(test["sig"]), bytes.fromhex(test["msg"]), hash_name,
                           encoding=encoding)
                outcome = "valid"
            except InvalidSignature as error:
                assert str(error) == "signature mismatch"        # never says why
                outcome = "invalid"
            if outcome != _expected(test):
                failures.append(f"tcId {test['tcId']} ({test['comment']!r}, {test['flags']}): "
                                f"expected {_expected(test)}, got {outcome}")
            counts[test["result"]] += 1
    record_property("cases", dict(counts))
    assert not failures, f"{name}: {len(failures)} failures:\n" + "\n".join(failures[:25])
    assert counts["valid"] > 0 and counts["invalid"] > 0


def test_acceptable_cases_are_counted():
    acceptable = {name: sum(t["result"] == "acceptable" for g in _load(name)["testGroups"]
                            for t in g["tests"]) for name in FILES}
    assert sum(acceptable.values()) == 0, acceptable
