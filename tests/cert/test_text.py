"""x509core.cert.text: Certificate.text() against ``openssl x509 -text -noout``, field by field.

Both listings are cut into fields (a line at the indentation of a TBS field, or of an extension
under "X509v3 extensions:", starts one) and compared field by field, so a failure names the field:
version, serial, signature algorithm (with RSASSA-PSS parameters), issuer, validity, subject, the
public key (algorithm, size, modulus, exponent, PSS restrictions, EC curve, Ed25519), each extension
(name, critical flag, every value line) and the signature.

Certificates: the seed system's interop files, those the OpenSSL CLI makes in test_certificate.py
(every extension OpenSSL writes, RSASSA-PSS, an id-RSASSA-PSS key, EC P-256, P-384 and P-521 keys
with ECDSA signatures over SHA-256/384/512, an EC key certified by RSA, Ed25519, v1, a negative
serial), an EC key whose point is compressed, every root of certifi's bundle (RSA and EC), the
CA's profiles (RSA and EC leaves), and serial numbers planted at OpenSSL's decimal/octet boundary.

Deliberate differences, each checked where it occurs:

* The machine-binding extensions are named — "Machine Identity (1.3.6.1.4.15967132172.1)", "MAC
  Address (1.3.6.1.4.15967132172.2)" — where OpenSSL shows the bare OID; their value line is the
  identifier itself. OpenSSL prints the extnValue octets as they are: the same line for the seed
  system's raw form, and with the DER header octets shown as "." and characters for a wrapped form.
* Names in UTF-8: OpenSSL's default escapes each octet above 0x7F (``\\E8\\A5...``);
  ``-nameopt oneline,-esc_msb`` prints exactly our line, and our default-escaped form
  (``Name.openssl_oneline(escape_msb=True)``) equals OpenSSL's default line.
* A certificatePolicies explicitText in BMPString: OpenSSL prints the UTF-16 octets with ``%s``,
  which stops at the first 0x00 octet, so its line is empty; ours decodes the text.
* Trailing blanks: OpenSSL leaves indentation blanks at the end of the lines around RSASSA-PSS
  parameters; lines are compared without trailing blanks.
"""

from __future__ import annotations

import re
import subprocess

import certifi
import pytest

from tests.cert.building.profiles import client_builder, root_ca_builder, server_builder
from tests.cert.reading.surgery import certificate_paths, replace
from tests.cert.test_certificate import (INTEROP_NAMES, OPENSSL_NAMES, certifi_roots, interop_der,
                                         openssl_certificates, openssl_dir)
from tests.rsa.keys_fixture import RSA_2048, RSA_4096, private_key
from x509core.cert.certificate import load_der_certificate
from x509core.der import Writer

__all__ = ["openssl_dir", "openssl_certificates"]          # fixtures used here, defined there

MACHINE_NAMES = {"1.3.6.1.4.15967132172.1": "Machine Identity (1.3.6.1.4.15967132172.1)",
                 "1.3.6.1.4.15967132172.2": "MAC Address (1.3.6.1.4.15967132172.2)"}
_FIELD = re.compile(r"^( {8}| {12})(\S[^:]*?)(:|$)")


def openssl_text(openssl: str, der: bytes, *nameopt: str) -> str:
    done = subprocess.run([openssl, "x509", "-inform", "DER", "-noout", "-text", *nameopt],
                          input=der, capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode("utf-8")


def fields(text: str) -> list[tuple[str, list[str]]]:
    """The listing cut into (field name, its lines without trailing blanks)."""
    found: list[tuple[str, list[str]]] = []
    in_extensions = in_signature = False
    for line in (raw.rstrip() for raw in text.splitlines()):
        match = _FIELD.match(line)
        starts = match is not None and not in_signature and (len(match.group(1)) == 8 or in_extensions)
        if line == "        X509v3 extensions:":
            in_extensions = True
        elif line.startswith("    Signature Algorithm:"):     # the outer algorithm and the value
            in_extensions, in_signature, starts = False, True, True
        if starts or not found:
            name = match.group(2) if match else line.strip().rstrip(":")
            found.append((name, [line]))
        else:
            found[-1][1].append(line)
    return found


def _rename_machine_binding(openssl_fields):
    """OpenSSL's fields with the machine-binding OIDs named as we name them."""
    renamed = []
    for name, lines in openssl_fields:
        if name in MACHINE_NAMES:
            name, lines = MACHINE_NAMES[name], [lines[0].replace(f"{name}:", f"{MACHINE_NAMES[name]}:"),
                                                *lines[1:]]
        renamed.append((name, lines))
    return renamed


def compare(ours: str, theirs: str, *, allow=lambda name, ours, theirs: False) -> list[str]:
    """Assert both listings have the same fields in the same order and each field the same
    lines, except where ``allow(name, our_lines, their_lines)`` accepts a documented difference;
    returns the names of the fields so accepted."""
    mine, other = fields(ours), _rename_machine_binding(fields(theirs))
    assert [name for name, _ in mine] == [name for name, _ in other]
    accepted = []
    for (name, our_lines), (_, their_lines) in zip(mine, other):
        if our_lines == their_lines:
            continue
        assert allow(name, our_lines, their_lines), (name, our_lines, their_lines)
        accepted.append(name)
    return accepted


def _machine_binding_difference(cert):
    """The one difference of a wrapped machine-binding value: OpenSSL shows the DER header
    octets ("." for unprintable ones) before the identifier; our line is the identifier."""
    def allow(name, ours, theirs):
        if name not in MACHINE_NAMES.values():
            return False
        value = cert.machine_identity if "Machine" in name else cert.mac_address
        return (ours[0] == theirs[0] and ours[1].strip() == value
                and theirs[1].strip().endswith(value) and len(ours) == len(theirs) == 2)
    return allow


# -- the seed system's certificates -----------------------------------------------------------

@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_text_equals_openssl_field_by_field(openssl, name):
    der = interop_der(name)
    cert = load_der_certificate(der)
    ours = cert.text()
    assert compare(ours, openssl_text(openssl, der, "-nameopt", "oneline,-esc_msb")) == []
    names = [field for field, _ in fields(ours)]
    assert names[:7] == ["Certificate", "Version", "Serial Number", "Signature Algorithm",
                         "Issuer", "Validity", "Subject"]
    assert (MACHINE_NAMES["1.3.6.1.4.15967132172.1"] in names) == (cert.machine_identity is not None)


@pytest.mark.parametrize("name", INTEROP_NAMES)
def test_interop_names_match_openssl_default_escaping(openssl, name):
    """With OpenSSL's default -nameopt only the Issuer and Subject lines differ, and those equal
    our MSB-escaped one-line form."""
    cert = load_der_certificate(interop_der(name))

    def allow(field, ours, theirs):
        name_of = {"Issuer": cert.issuer, "Subject": cert.subject}.get(field)
        return (name_of is not None and ours == [f"        {field}: {name_of.openssl_oneline()}"]
                and theirs == [f"        {field}: {name_of.openssl_oneline(escape_msb=True)}"])
    accepted = compare(cert.text(), openssl_text(openssl, cert.raw), allow=allow)
    has_utf8 = any(ord(c) > 0x7F for c in cert.subject.rfc4514() + cert.issuer.rfc4514())
    assert bool(accepted) == has_utf8


def test_the_machine_binding_is_named_and_its_value_shown():
    text = load_der_certificate(interop_der("client-HZ109999")).text()
    assert ("            Machine Identity (1.3.6.1.4.15967132172.1): \n"
            "                c417aa4802b3441d931c135cbdaab367\n") in text
    assert ("            MAC Address (1.3.6.1.4.15967132172.2): \n"
            "                18:c0:4d:fa:c0:a8\n") in text


# -- certificates OpenSSL makes, with every extension it writes -----------------------------------

@pytest.mark.parametrize("name", OPENSSL_NAMES)
def test_openssl_made_text_equals_openssl_field_by_field(openssl, openssl_certificates, name):
    der = openssl_certificates[name]
    cert = load_der_certificate(der)
    accepted = compare(cert.text(), openssl_text(openssl, der, "-nameopt", "oneline,-esc_msb"),
                       allow=_machine_binding_difference(cert))
    # rsa-rich and ec-p521 carry the machine identity as a DER UTF8String (ASN1:UTF8String:)
    rich = name in ("rsa-rich", "ec-p521")
    assert accepted == (["Machine Identity (1.3.6.1.4.15967132172.1)"] if rich else [])


@pytest.mark.parametrize("name,bits,curve,nist,signature", [
    ("ec-p256", 256, "prime256v1", "P-256", "ecdsa-with-SHA256"),
    ("ec-p384", 384, "secp384r1", "P-384", "ecdsa-with-SHA384"),
    ("ec-p521", 521, "secp521r1", "P-521", "ecdsa-with-SHA512")])
def test_ec_keys_and_ecdsa_signatures_are_shown_as_openssl_shows_them(openssl_certificates, name,
                                                                      bits, curve, nist, signature):
    cert = load_der_certificate(openssl_certificates[name])
    text = cert.text()
    point = cert.public_key_info.subject_public_key
    assert ("            Public Key Algorithm: id-ecPublicKey\n"
            f"                Public-Key: ({bits} bit)\n                pub:\n"
            f"                    {point[0]:02x}:{point[1]:02x}:") in text
    assert f"                ASN1 OID: {curve}\n                NIST CURVE: {nist}\n" in text
    assert text.count(f"Signature Algorithm: {signature}\n") == 2
    data = cert.to_json()["public_key"]
    assert (data["curve"], data["curve_name"], data["key_size"]) == (nist, curve, bits)


def test_a_compressed_ec_point_is_shown_as_openssl_shows_it(openssl):
    """OpenSSL prints the point in the form the certificate holds it (02/03 || X)."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from tests.cert.ec_chains import ECFactory, compressed, with_point
    factory = ECFactory()
    root = factory.ca("Root P-384", "P-384")
    der = with_point(factory.leaf("text compressed", "P-384", root), root, compressed)
    cert = load_der_certificate(der)
    assert compare(cert.text(), openssl_text(openssl, der, "-nameopt", "oneline,-esc_msb")) == []
    assert cert.public_key_info.subject_public_key[0] in (2, 3)
    root_der = root.cert.public_bytes(Encoding.DER)
    assert compare(load_der_certificate(root_der).text(),
                   openssl_text(openssl, root_der, "-nameopt", "oneline,-esc_msb")) == []


def test_rsassa_pss_parameters_are_shown_as_openssl_shows_them(openssl_certificates):
    text = load_der_certificate(openssl_certificates["rsa-pss-key"]).text()
    assert ("        Signature Algorithm: rsassaPss\n        Hash Algorithm: sha256\n"
            "        Mask Algorithm: mgf1 with sha256\n         Salt Length: 0x20\n"
            "        Trailer Field: 0x01 (default)\n") in text
    assert ("                PSS parameter restrictions:\n"
            "                  Hash Algorithm: SHA2-256\n") in text


# -- certifi's roots --------------------------------------------------------------------------

def _openssl_bundle_texts(openssl: str) -> list[str]:
    """``openssl x509 -text`` of every certificate of certifi's bundle in one run: the bundle as
    a certs-only PKCS #7 (``crl2pkcs7 -nocrl``) listed by ``pkcs7 -print_certs -text``, which
    prints each certificate with X509_print, as ``x509 -text`` does but for the names (no
    -nameopt: the legacy ``C=GB, ST=...`` form with ``\\xC3``-style escapes)."""
    bundle = subprocess.run([openssl, "crl2pkcs7", "-nocrl", "-certfile", certifi.where()],
                            capture_output=True, check=True).stdout
    done = subprocess.run([openssl, "pkcs7", "-print_certs", "-text", "-noout"], input=bundle,
                          capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    texts = done.stdout.decode("utf-8").split("\nCertificate:\n")
    return [("" if i == 0 else "Certificate:\n") + text.rstrip("\n") + "\n"
            for i, text in enumerate(texts)]


def test_every_certifi_root_text_equals_openssl(openssl):
    """120-odd roots from many CAs (RSA and EC keys, policies, name constraints...): equal field
    by field, in bundle order, but for the Issuer and Subject lines (printed here in OpenSSL's
    legacy form; names are compared with pyca in test_certificate.py and line for line on the
    interop and OpenSSL-made certificates above) and BMPString explicit texts, which OpenSSL
    cannot print."""
    roots = certifi_roots()
    theirs = _openssl_bundle_texts(openssl)
    assert len(theirs) == len(roots)
    differing = []
    for der, their_text in zip(roots, theirs):
        cert = load_der_certificate(der)

        def allow(name, ours, theirs):
            if name in ("Issuer", "Subject"):
                return len(ours) == len(theirs) == 1
            if name != "X509v3 Certificate Policies" or len(ours) != len(theirs):
                return False
            for mine, other in zip(ours, theirs):
                if mine != other:
                    text = mine.split("Explicit Text: ", 1)[1]
                    if other.strip() != "Explicit Text:" or text.encode("utf-16-be") not in der:
                        return False
            return True
        accepted = compare(cert.text(), their_text, allow=allow)
        if set(accepted) - {"Issuer", "Subject"}:
            differing.append(cert.subject.rfc4514())
    print(f"certifi roots with a BMPString explicitText: {differing}")
    assert len(differing) <= 5


# -- the CA's profiles and serial numbers at OpenSSL's boundaries ---------------------------------

def test_profile_certificates_text_equals_openssl(openssl):
    from datetime import datetime, timezone
    from x509core.ca.issuance import profiles as ca_profiles
    root_key, leaf_key = private_key(RSA_4096), private_key(RSA_2048)
    start, end = datetime(2026, 1, 1, tzinfo=timezone.utc), datetime(2051, 1, 1, tzinfo=timezone.utc)
    root = root_ca_builder(root_key.public_key(), "/C=CN/O=医院/CN=Root", start).sign(root_key)
    leaves = [
        server_builder(root, leaf_key.public_key(), "/CN=pacs", start, end, dns_names=["pacs.example"],
                       ip_addresses=["10.0.0.1", "2001:db8::1"], client_auth=True).sign(root_key, "sha512", "pss"),
        client_builder(root, leaf_key.public_key(), "医院", "HZ1", start, end,
                       machine_identity="c417aa4802b3441d931c135cbdaab367",
                       mac_address="18:c0:4d:fa:c0:a8").sign(root_key),
        client_builder(root, leaf_key.public_key(), "医院", "HZ2", start, end, machine_identity="m-2",
                       mac_address="aa:bb:cc:dd:ee:ff", encoding="octet").sign(root_key),
        # An EC leaf as the CA issues it (x509core.ca.issuance.profiles: digitalSignature only).
        ca_profiles.client_builder(root, _ec_public_key("P-521"), start, end, org="医院",
                                   client_id="HZ10999900000003",
                                   machine_id="c417aa4802b3441d931c135cbdaab367")
        .with_random_serial_number().sign(root_key, "sha384"),
    ]
    for cert in (root, *leaves):
        compare(cert.text(), openssl_text(openssl, cert.raw, "-nameopt", "oneline,-esc_msb"),
                allow=_machine_binding_difference(cert))


def _ec_public_key(curve: str):
    """An EC public key (pyca makes the key pair; x509core certifies the public half)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from tests.cert.ec_chains import ECFactory
    from x509core.ec.keys import load_der_public_key
    public = ECFactory().key(curve, "text profiles").public_key()
    return load_der_public_key(public.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo))


def _integer_der(value: int) -> bytes:
    w = Writer()
    w.write_integer(value)
    return w.to_bytes()


@pytest.mark.parametrize("serial", [0, 1, -1, -2, 2 ** 63 - 1, 2 ** 63, -(2 ** 63), -(2 ** 63) - 1,
                                    2 ** 64 + 5, -(2 ** 159), 0x14C6BAB7E5DF8928D6252C33992F51D1E2428DE0])
def test_serial_numbers_are_printed_as_openssl_prints_them(openssl, serial):
    """OpenSSL prints a serial that fits in a long (but -1, ASN1_INTEGER_get's error value) as
    "N (0xN)", any other as octets. The serial is planted into a real certificate (the signature
    no longer matters: both only print)."""
    base = interop_der("dicomorg-server")
    der, _ = replace(base, certificate_paths(base)["serialNumber"], _integer_der(serial))
    cert = load_der_certificate(der)
    assert cert.serial_number == serial
    ours, theirs = dict(fields(cert.text())), dict(fields(openssl_text(openssl, der)))
    assert ours["Serial Number"] == theirs["Serial Number"]


def test_values_cannot_forge_a_line_of_the_listing():
    """A dNSName, URI or policy text holding CR, LF or ESC (IA5String allows them) is shown with
    the control escaped (``\\0A``), inside its own line: before, ``x\\nOK: CN=trusted`` in a SAN
    started a line of its own in ``show`` (issue 16 item 3)."""
    from x509core.cert.extensions import (CertificatePolicies, PolicyInformation,
                                          PolicyQualifierInfo, SubjectAlternativeName, UserNotice)
    from x509core.cert.names.general_name import DNSName, UniformResourceIdentifier
    from x509core.cert.oids import OID_QT_CPS, OID_QT_UNOTICE
    from datetime import datetime, timedelta, timezone
    from x509core.cert import CertificateBuilder, Name
    key = private_key(RSA_2048)
    forged = "x\nOK: CN=trusted\r\x1b]0;t\x07"
    san = SubjectAlternativeName((DNSName(forged), UniformResourceIdentifier("http://a/" + forged)))
    notice = UserNotice(None, forged)
    policies = CertificatePolicies((PolicyInformation("1.2.3.4", (
        PolicyQualifierInfo(OID_QT_CPS, "http://a/" + forged),
        PolicyQualifierInfo(OID_QT_UNOTICE, notice))),))
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    name = Name.build([("CN", "forged values")])
    cert = (CertificateBuilder().with_subject(name).with_issuer(name).with_serial_number(7)
            .with_validity(now, now + timedelta(days=1)).with_public_key(key.public_key())
            .with_extension(san, critical=False).with_extension(policies, critical=False)
            .sign(key))
    text = cert.text()
    assert not any(line.startswith(("OK:", "\r", "\x1b")) for line in text.split("\n"))
    assert not {"\r", "\x1b", "\x07"} & set(text)
    assert text.count("\\0AOK: CN=trusted\\0D\\1B]0;t\\07") == 4
