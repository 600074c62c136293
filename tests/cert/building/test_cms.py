"""Certs-only CMS (x509core/cert/cms.py) against ``openssl pkcs7``/``crl2pkcs7`` and
pyca/cryptography's PKCS #7 functions, both ways."""

from __future__ import annotations

import subprocess

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, pkcs7
from hypothesis import given, strategies as st

from tests.conftest import INTEROP, require_shared
from x509core.cert import load_pem_certificate
from x509core.cert.cms import encode_certs_only, load_der_certs_only, load_pem_certs_only
from x509core.der import Writer
from x509core.errors import DecodeError, InvalidValue

NAMES = ("license-server-ca.pem", "client-HZ109999.pem", "dicomorg-server.pem")


@pytest.fixture(scope="module")
def certificates():
    return [load_pem_certificate(require_shared(INTEROP / name).read_text()) for name in NAMES]


def test_openssl_prints_every_certificate(openssl, certificates, tmp_path):
    (tmp_path / "bundle.p7").write_bytes(encode_certs_only(certificates))
    printed = subprocess.run([openssl, "pkcs7", "-inform", "DER", "-in", tmp_path / "bundle.p7",
                              "-print_certs"], check=True, capture_output=True, text=True).stdout
    blocks = [b for b in printed.split("-----END CERTIFICATE-----") if "BEGIN" in b]
    found = {load_pem_certificate(b + "-----END CERTIFICATE-----\n").raw for b in blocks}
    assert found == {c.raw for c in certificates}


def test_pyca_reads_ours_and_we_read_pyca(certificates):
    ours = encode_certs_only(certificates)
    assert {c.public_bytes(Encoding.DER) for c in pkcs7.load_der_pkcs7_certificates(ours)} == \
        {c.raw for c in certificates}
    theirs = pkcs7.serialize_certificates([x509.load_der_x509_certificate(c.raw)
                                           for c in certificates], Encoding.DER)
    assert {c.raw for c in load_der_certs_only(theirs).certificates} == {c.raw for c in certificates}


def test_openssl_crl2pkcs7_is_read(openssl, certificates, tmp_path):
    (tmp_path / "ca.pem").write_text(certificates[0].to_pem())
    pem = subprocess.run([openssl, "crl2pkcs7", "-nocrl", "-certfile", tmp_path / "ca.pem"],
                         check=True, capture_output=True, text=True).stdout
    assert [c.raw for c in load_pem_certs_only(pem).certificates] == [certificates[0].raw]


def test_the_encoding_is_canonical_der(certificates):
    from x509core import der
    data = encode_certs_only(reversed(certificates))
    assert der.encode(der.decode(data)) == data                     # SET OF sorted (X.690 §11.6)
    assert encode_certs_only(certificates) == data


def _signed_data(signer_infos: bool = False, content: bool = False) -> bytes:
    w = Writer()
    with w.sequence():
        w.write_oid("1.2.840.113549.1.7.2")
        with w.explicit(0), w.sequence():
            w.write_integer(1)
            with w.set_of():
                pass
            with w.sequence():
                w.write_oid("1.2.840.113549.1.7.1")
                if content:
                    with w.explicit(0):
                        w.write_octet_string(b"hello")
            with w.set_of():
                if signer_infos:
                    with w.sequence():
                        w.write_integer(1)
    return w.to_bytes()


def test_an_unsorted_certificate_set_is_not_der(certificates):
    data = bytearray(encode_certs_only(certificates[:2]))
    first, second = sorted(c.raw for c in certificates[:2])
    start = bytes(data).index(first)
    data[start:start + len(first) + len(second)] = second + first
    with pytest.raises(DecodeError, match="X.690 §11.6"):
        load_der_certs_only(bytes(data))


def test_signed_messages_and_content_are_not_certs_only():
    assert load_der_certs_only(_signed_data()).certificates == ()
    with pytest.raises(DecodeError, match="signerInfos"):
        load_der_certs_only(_signed_data(signer_infos=True))
    with pytest.raises(DecodeError, match="eContent"):
        load_der_certs_only(_signed_data(content=True))
    with pytest.raises(InvalidValue):
        encode_certs_only([])


@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_decode_errors(data):
    try:
        load_der_certs_only(data)
    except DecodeError:
        pass
