"""The streaming CRL writer: the same bytes as CRLBuilder for the same entries, read back by
x509core, pyca/cryptography and ``openssl crl``; an empty list omits revokedCertificates."""

from __future__ import annotations

import io
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
from cryptography import x509 as pyca_x509

from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core.cert import Name
from x509core.cert.revocation.crl import CRLBuilder, load_der_crl, load_pem_crl
from x509core.cert.revocation.crl_writer import write_crl
from x509core.errors import InvalidValue

AT = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
ISSUER = Name.from_openssl("/C=DE/O=Example Clinic/CN=Example Clinic Root CA")
REASONS = (None, "keyCompromise", "unspecified", "superseded", "cessationOfOperation")


def _entries(count):
    return [((i * 0x9E3779B97F4A7C15) % (1 << 150) + 1, AT - timedelta(hours=i), REASONS[i % 5])
            for i in range(count)]


@pytest.mark.parametrize("count", [0, 1, 3000])
def test_same_bytes_as_the_builder(count):
    key = private_key(RSA_2048)
    out = io.BytesIO()
    written = write_crl(out, issuer=ISSUER, issuer_key=key, this_update=AT,
                        next_update=AT + timedelta(days=7), crl_number=77,
                        entries=_entries(count), pem=False)
    builder = (CRLBuilder().with_issuer(ISSUER).with_update_times(AT, AT + timedelta(days=7))
               .with_crl_number(77))
    for serial, date, reason in _entries(count):
        builder = builder.with_revoked(serial, date, reason=reason)
    assert out.getvalue() == builder.sign(key).to_der()
    assert written.entries == count and written.der_length == len(out.getvalue())
    crl = load_der_crl(out.getvalue())
    crl.verify_signature(key.public_key())
    assert len(crl.revoked_certificates) == count and crl.crl_number == 77


def test_read_by_pyca_and_openssl(tmp_path, openssl):
    key = private_key(RSA_2048)
    path = tmp_path / "crl.pem"
    with open(path, "wb") as out:
        write_crl(out, issuer=ISSUER, issuer_key=key, this_update=AT,
                  next_update=AT + timedelta(days=7), crl_number=5, entries=_entries(2000))
    assert load_pem_crl(path.read_bytes()).crl_number == 5
    theirs = pyca_x509.load_pem_x509_crl(path.read_bytes())
    assert len(theirs) == 2000
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    assert theirs.is_signature_valid(load_pem_public_key(key.public_key().to_pem().encode()))
    serial, date, reason = _entries(2000)[1]
    entry = theirs.get_revoked_certificate_by_serial_number(serial)
    assert entry.revocation_date_utc == date
    assert entry.extensions.get_extension_for_class(pyca_x509.CRLReason).value.reason.name == \
        "key_compromise"
    result = subprocess.run([openssl, "crl", "-in", str(path), "-noout", "-text"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "X509v3 CRL Number: \n                5" in result.stdout
    assert result.stdout.count("Serial Number:") == 2000


def test_refusals():
    key = private_key(RSA_2048)
    common = dict(issuer=ISSUER, issuer_key=key, this_update=AT, crl_number=1)
    with pytest.raises(InvalidValue, match="nextUpdate"):
        write_crl(io.BytesIO(), next_update=AT, entries=[], **common)
    with pytest.raises(InvalidValue, match="delta"):
        write_crl(io.BytesIO(), next_update=AT + timedelta(1),
                  entries=[(5, AT, "removeFromCRL")], **common)
    with pytest.raises(TypeError):
        write_crl(io.BytesIO(), next_update=AT + timedelta(1), entries=[],
                  **{**common, "issuer_key": key.public_key()})
