"""x509core.cert.text prints integers of any size (issue 16, item 8): big ones in hexadecimal,
never through CPython's int-to-str conversion, which refuses more than 4,300 digits.

The exponent is printed as OpenSSL's ``ASN1_bn_print`` prints it (decimal and hex up to 64 bits,
octets above), checked against ``openssl x509 -text``; the JSON form turns integers beyond 2^63
into ``0x`` strings.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.cert.reading.surgery import IN, certificate_paths, replace
from tests.cert.test_text import fields, openssl_text
from tests.rsa.keys_fixture import RSA_2048, private_key
from x509core import CertificateBuilder, Name
from x509core.cert.certificate import load_der_certificate
from x509core.cert.extensions import BasicConstraints
from x509core.der import Writer

KEY = private_key(RSA_2048)


def _certificate(path_length=None) -> bytes:
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc).replace(microsecond=0)
    name = Name.from_openssl("/CN=integers")
    return (CertificateBuilder().with_subject(name).with_issuer(name).with_random_serial_number()
            .with_validity(now, now + timedelta(days=1)).with_public_key(KEY.public_key())
            .with_extension(BasicConstraints(ca=True, path_len_constraint=path_length), critical=True)
            .sign(KEY)).to_der()


def with_exponent(e: int, n: int = KEY.n) -> bytes:
    """The test certificate with its RSAPublicKey replaced (n, e), by byte surgery."""
    der = _certificate()
    w = Writer()
    with w.sequence():
        w.write_integer(n)
        w.write_integer(e)
    return replace(der, certificate_paths(der)["subjectPublicKey"] + (IN,), w.to_bytes())[0]


def _public_key_field(text: str) -> list[str]:
    return dict(fields(text))["Subject Public Key Info"]


@pytest.mark.parametrize("e", [65537, 2 ** 63 + 1, 2 ** 64 - 1, 2 ** 64 + 1, 2 ** 255 + 1,
                               2 ** 1023 + 1])
def test_exponents_print_as_openssl_prints_them(e, openssl):
    der = with_exponent(e)
    ours = load_der_certificate(der).text()
    assert _public_key_field(ours) == _public_key_field(openssl_text(openssl, der))


def test_a_16383_bit_exponent_prints_in_hex():
    """4,933 decimal digits: the decimal form would raise ValueError."""
    e = (1 << 16382) + 1
    cert = load_der_certificate(with_exponent(e, (1 << 16383) | (1 << 1000) | 1))
    lines = cert.text().splitlines()
    at = lines.index("                Exponent:")
    octets = "".join(line.strip() for line in lines[at + 1:at + 200]).split("Signature")[0]
    assert int(octets.replace(":", "")[:4096], 16) == e
    assert json.loads(json.dumps(cert.to_json()))["public_key"]["e"] == hex(e)


def test_a_huge_path_length_prints_in_hex_in_text_and_json():
    cert = load_der_certificate(_certificate(path_length=10 ** 5000))
    shown = re.search(r"CA:TRUE, pathlen:0x([0-9A-F]+)\n", cert.text())
    assert shown and int(shown.group(1), 16) == 10 ** 5000
    value = json.loads(json.dumps(cert.to_json()))["extensions"][0]["value"]
    assert value["path_len_constraint"] == hex(10 ** 5000)
    small = json.loads(json.dumps(load_der_certificate(_certificate(path_length=3)).to_json()))
    assert small["extensions"][0]["value"]["path_len_constraint"] == 3
