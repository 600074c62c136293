"""The EC layer against the OpenSSL CLI: keys OpenSSL makes, signatures it makes, the SPKI forms
it writes (uncompressed, compressed, explicit parameters), and a certificate it signs."""

from __future__ import annotations

import subprocess

import pytest

from x509core.der import Reader
from x509core.ec import keys, load_pem_private_key_file, read_signature_algorithm
from x509core.ec.curves import P256, P384, P521
from x509core.errors import InvalidSignature, UnsupportedAlgorithm

MESSAGE = b"C-ECHO from CT01WORKSTATION1 to PACS-1\n" * 4
OPENSSL_NAMES = {P256: "prime256v1", P384: "secp384r1", P521: "secp521r1"}


def _ssl(openssl, *args, data=None):
    done = subprocess.run([openssl, *args], input=data, capture_output=True, timeout=60)
    assert done.returncode == 0, f"openssl {' '.join(args)}: {done.stderr.decode(errors='replace')}"
    return done.stdout


@pytest.fixture(scope="module", params=[P256, P384, P521], ids=lambda c: c.nist_name)
def key_dir(request, tmp_path_factory, openssl):
    """A key made by `openssl genpkey -algorithm EC` (P-384) or `openssl ecparam -genkey`."""
    curve = request.param
    where = tmp_path_factory.mktemp(curve.nist_name)
    if curve is P384:
        _ssl(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384",
             "-out", str(where / "key.pem"))
    else:
        (where / "key.pem").write_bytes(_ssl(openssl, "ecparam", "-name", OPENSSL_NAMES[curve],
                                             "-genkey", "-noout"))
    (where / "pub.pem").write_bytes(_ssl(openssl, "pkey", "-in", str(where / "key.pem"), "-pubout"))
    (where / "msg").write_bytes(MESSAGE)
    return curve, where


@pytest.mark.parametrize("digest", ["sha256", "sha384", "sha512", "sha3-256"])
def test_openssl_signatures_verify(openssl, key_dir, digest):
    curve, where = key_dir
    key = keys.load_pem_public_key((where / "pub.pem").read_bytes())
    assert key.curve is curve
    assert load_pem_private_key_file((where / "key.pem").read_text()).matches(key) is True
    signature = _ssl(openssl, "dgst", f"-{digest}", "-sign", str(where / "key.pem"), str(where / "msg"))
    hash_name = digest.replace("-", "_")
    key.verify(signature, MESSAGE, hash_name)
    with pytest.raises(InvalidSignature):
        key.verify(signature, MESSAGE[:-1], hash_name)
    with pytest.raises(InvalidSignature):
        key.verify(signature[:-1] + bytes([signature[-1] ^ 1]), MESSAGE, hash_name)


def test_openssl_verifies_with_the_spki_we_write(openssl, key_dir, tmp_path):
    curve, where = key_dir
    key = keys.load_pem_public_key((where / "pub.pem").read_bytes())
    for compressed in (False, True):
        ours = tmp_path / f"ours-{compressed}.pem"
        ours.write_text(key.to_pem(compressed=compressed))
        (tmp_path / "sig").write_bytes(_ssl(openssl, "dgst", "-sha256", "-sign",
                                             str(where / "key.pem"), str(where / "msg")))
        out = _ssl(openssl, "dgst", "-sha256", "-verify", str(ours), "-signature",
                   str(tmp_path / "sig"), str(where / "msg"))
        assert b"Verified OK" in out


def test_compressed_spki_from_openssl(openssl, key_dir):
    curve, where = key_dir
    compressed = _ssl(openssl, "ec", "-in", str(where / "key.pem"), "-pubout", "-conv_form",
                      "compressed", "-outform", "DER")
    assert len(compressed) < len(keys.load_pem_public_key((where / "pub.pem").read_bytes()).to_der())
    assert keys.load_der_public_key(compressed) == keys.load_pem_public_key((where / "pub.pem").read_bytes())
    assert keys.load_der_public_key(compressed).to_der(compressed=True) == compressed


def test_explicit_parameters_spki_is_refused(openssl, key_dir):
    curve, where = key_dir
    explicit = _ssl(openssl, "ec", "-in", str(where / "key.pem"), "-pubout", "-param_enc",
                    "explicit", "-outform", "DER")
    with pytest.raises(UnsupportedAlgorithm, match=r"specifiedCurve \(explicit curve parameters\) "
                                                   r"at byte \d+ is not supported: RFC 5480 §2\.1\.1"):
        keys.load_der_public_key(explicit)


def test_a_certificate_openssl_signs_verifies_over_its_tbs_bytes(openssl, tmp_path):
    # What the certificate layer will do: the issuer's key from its SPKI, the algorithm from
    # signatureAlgorithm, the signature over the exact bytes of tbsCertificate.
    _ssl(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521",
         "-nodes", "-keyout", str(tmp_path / "key.pem"), "-subj", "/O=Example Clinic/CN=EC root",
         "-sha512", "-days", "2", "-outform", "DER", "-out", str(tmp_path / "cert.der"))
    cert = Reader((tmp_path / "cert.der").read_bytes()).read_sequence("certificate")
    tbs = cert.read_sequence("tbsCertificate")
    tbs_bytes = tbs.element_bytes
    for field in ("version", "serialNumber", "signature", "issuer", "validity", "subject"):
        tbs.read_element(field)
    key = keys.read_subject_public_key_info(tbs)
    algorithm = read_signature_algorithm(cert)
    bits = cert.read_bit_string("signatureValue")
    cert.finish()
    assert (key.curve, algorithm.hash_name, bits.unused_bits) == (P521, "sha512", 0)
    key.verify(bits.data, tbs_bytes, algorithm.hash_name)
    with pytest.raises(InvalidSignature):
        key.verify(bits.data, tbs_bytes + b"\x00", algorithm.hash_name)
