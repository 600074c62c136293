"""Whatever OpenSSL and pyca/cryptography both read, x509core reads (issue 10, STYLE §5).

The corpus (tests/cert/reading/corpus.py): Debian's trust store, pyca/cryptography's x509 test vectors,
the seed system's certificates and every certificate of both x509-limbo files — some 60,000
distinct certificates. OpenSSL reads a certificate when ``openssl storeutl -certs`` loads it (it
skips what it cannot decode and writes back the exact DER of what it loaded); pyca/cryptography
reads it when ``load_der_x509_certificate`` and its subject, issuer, serial, validity, signature
algorithm and extensions all succeed. Of the certificates both read, x509core refuses only those
in :data:`AMBIGUOUS`: one row per refusal, with the clause of the rule that makes the bytes
ambiguous. The categories the issue listed (named BIT STRING trailing zeros, RSA keys under 1024
bits, empty Extensions, repeated policy OIDs, extnValues that are not DER, rsaEncryption without
NULL, bad RSA exponents, extensions in v2, empty SEQUENCE OFs) are not among them: each is a
finding now (or, for key sizes, a decision of path validation), and the test checks that those
the corpus holds are reported.
"""

from __future__ import annotations

import subprocess
import warnings
from collections import Counter

import pytest

from tests.cert.reading.corpus import corpus
from x509core import pem
from x509core.cert import load_der_certificate
from x509core.errors import X509CoreError

pytestmark = pytest.mark.corpus

# Refusal reason (the start of the DecodeError's reason) -> why the bytes are ambiguous.
AMBIGUOUS = {
    "signatureAlgorithm differs from tbsCertificate.signature":
        "RFC 5280 §4.1.1.2: the two identifiers MUST be equal; readers that take one or the other "
        "check different algorithms",
    "signatureValue must be whole octets":
        "RFC 3279 §2.2.1, RFC 5280 §4.1.1.3: the signature is the BIT STRING's octets; with unused "
        "bits, which value was signed is a reader's guess",
}

# Departures the corpus holds that used to refuse a certificate, each now a finding with its
# clause (reason start -> clause). The issue's other categories (empty Extensions, rsaEncryption
# without NULL, extensions in v2, bad RSA exponents, a repeated policy OID) do not occur in this
# corpus; tests/cert/test_certificate.py, test_extensions.py and test_csr.py plant each of them.
NOW_FINDINGS = {
    "named BIT STRING with trailing zero bits": "X.690 §11.2.2",
    "duplicate extension": "RFC 5280 §4.2",
    "empty NameConstraints": "RFC 5280 §4.2.1.10",
    "ExtKeyUsageSyntax must not be empty": "SIZE (1..MAX), RFC 5280 §4.2.1.12",
    "pathLenConstraint without cA TRUE": "RFC 5280 §4.2.1.9",
    "sha256WithRSAEncryption without its NULL parameters": "RFC 4055 §5",
    "ecdsa-with-SHA256 parameters MUST be absent": "RFC 5758 §3.2",
    "malformed extension value: iPAddress of": "RFC 5280 §4.2.1.6",
}


def _pyca_reads(der: bytes) -> bool:
    from cryptography import x509
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cert = x509.load_der_x509_certificate(der)
            cert.subject, cert.issuer, cert.serial_number, cert.signature_algorithm_oid
            cert.not_valid_before_utc, cert.not_valid_after_utc
            list(cert.extensions)
    except Exception:                          # noqa: BLE001 - any refusal means "does not read"
        return False
    return True


def _openssl_reads(openssl: str, ders: list[bytes], tmp_path) -> set[bytes]:
    bundle, loaded = tmp_path / "corpus.pem", tmp_path / "loaded.pem"
    bundle.write_text("".join(pem.encode("CERTIFICATE", der) for der in ders))
    subprocess.run([openssl, "storeutl", "-certs", "-out", str(loaded), str(bundle)],
                   capture_output=True, timeout=600)           # non-zero when one is skipped
    return {der for label, der in pem.decode(loaded.read_bytes()) if label == "CERTIFICATE"}


@pytest.fixture(scope="module")
def outcome(openssl, tmp_path_factory):
    items = corpus()
    ders = [der for _, der in items]
    by_openssl = _openssl_reads(openssl, ders, tmp_path_factory.mktemp("corpus"))
    both, refused, findings = 0, [], Counter()
    for origin, der in items:
        try:
            cert = load_der_certificate(der)
        except X509CoreError as exc:
            cert = exc
        if isinstance(cert, X509CoreError):
            if der in by_openssl and _pyca_reads(der):
                both += 1
                refused.append((origin, cert))
            continue
        both += der in by_openssl and _pyca_reads(der)
        for finding in cert.findings:
            findings[(finding.reason, finding.clause)] += 1
    return len(items), both, refused, findings


def test_the_corpus_is_what_it_claims(outcome):
    total, both, _, _ = outcome
    assert total > 50_000 and both > 50_000, (total, both)


def test_what_openssl_and_pyca_read_x509core_reads(outcome):
    _, _, refused, _ = outcome
    unexplained = [(origin, str(exc)) for origin, exc in refused
                   if not any(exc.reason.startswith(reason) for reason in AMBIGUOUS)]
    assert not unexplained, unexplained[:10]
    table = Counter(reason for _, exc in refused for reason in AMBIGUOUS
                    if exc.reason.startswith(reason))
    print("\nrefused, with both OpenSSL and pyca reading:", dict(table))
    assert len(refused) < 20                   # the ambiguous few, not a category of CA mistakes


def test_the_categories_of_the_issue_are_findings_now(outcome):
    _, _, _, findings = outcome
    for reason, clause in NOW_FINDINGS.items():
        assert any(r.startswith(reason) and c == clause for r, c in findings), (reason, findings)
