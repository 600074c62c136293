"""The seed system's ``/client/registe`` against the running service, through curl: its own
example parameters (from the doc comments of its register_controller.rs, which its own checks
refuse) and its messages word for word, for GET, form and JSON; a registration that succeeds,
with the machine id and MAC written into the certificate as that system writes them; and the
two documented differences: a bearer token (401 without one, 403 for a request it does not
allow) and a key that is never stored (``csr`` keeps it on the client; without it,
``client_key`` is returned once)."""

from __future__ import annotations

import json
import subprocess
from urllib.parse import urlencode

import pytest
from cryptography import x509 as cx509
from cryptography.hazmat.primitives import serialization

from tests.conftest import INTEROP, require_shared
from tests.service.clients import curl_call, make_token, one_line
from x509core.cert import load_pem_certificate

pytestmark = pytest.mark.service

# The seed system's documented example, as its doc comments give it (GET and form).
SEED_EXAMPLE = {"client_id": "HZ10000XXX1", "client_name": "Sky.LTD",
                "client_machine_id": "898989398398moioio2xio22332",
                "client_mac_address": "OA:IB:OC:E3:GC:8B", "end_date": "20261231"}
# The same, corrected so that its own checks accept it.
GOOD = {"client_id": "HZ10000XXXXXXXX1", "client_name": "Sky.LTD Hospital",
        "client_machine_id": "898989398398moioio2xio22332",
        "client_mac_address": "0A:1B:0C:E3:9C:8B", "end_date": "20271231"}
MESSAGES = {
    "client_id": "client_id must be 16 characters long and contain only letters and numbers",
    "client_name": "client_name must be between 10 and 64 characters long and contain only "
                   "letters, numbers, commas, periods, and spaces",
    "client_machine_id": "client_machine_id must be between 16 and 128 characters long and "
                         "contain only letters and numbers",
    "client_mac_address": "client_mac_address must be in MAC address format (e.g., "
                          "00:1A:2B:3C:4D:5E or 00-1A-2B-3C-4D-5E)",
    "end_date": "end_date must be in YYYYMMDD format",
}


def _register(curl, service, token, how: str, fields: dict, *, source=None, extra=()):
    url = service.url("/client/registe")
    args = [*extra] + (["-H", f"Authorization: Bearer {token}"] if token else [])
    if how == "get":
        return curl_call(curl, f"{url}?{urlencode(fields)}", *args, ca=service.ca_dir / "ca.pem",
                         source=source)
    if how == "form":
        body = ["-H", "Content-Type: application/x-www-form-urlencoded", "--data-binary",
                urlencode(fields)]
    else:
        body = ["-H", "Content-Type: application/json", "--data-binary", json.dumps(fields)]
    return curl_call(curl, url, *args, *body, ca=service.ca_dir / "ca.pem", source=source)


@pytest.fixture
def token(service_ca):
    return make_token(service_ca, uses=20)


@pytest.mark.parametrize("how", ["get", "form", "json"])
def test_the_seed_systems_own_example_gets_its_own_message(curl, service, token, how):
    reply = _register(curl, service, token, how, SEED_EXAMPLE)
    assert reply.code == 400 and one_line(reply, bare=True) == MESSAGES["client_id"]
    assert "content-type: text/plain" in reply.headers


@pytest.mark.parametrize("field, value", [
    ("client_name", "Sky.LTD"), ("client_name", "Sky\tLTD Hospital"), ("client_name", "x" * 65),
    ("client_machine_id", "898989398398moio-io2x"), ("client_machine_id", "short"),
    ("client_mac_address", "OA:IB:OC:E3:GC:8B"), ("client_mac_address", "0a1b0ce39c8b"),
    ("end_date", "2027-12-31"), ("end_date", "271231"),
])
def test_each_check_has_the_seed_systems_message(curl, service, token, field, value):
    reply = _register(curl, service, token, "get", {**GOOD, field: value})
    assert reply.code == 400 and one_line(reply, bare=True) == MESSAGES[field]


@pytest.mark.parametrize("how, fields, message", [
    ("get", {k: v for k, v in GOOD.items() if k != "client_name"},
     "Query deserialize error: missing field `client_name`"),
    ("get", {**GOOD, "end_date": "20270230"}, "end_date must be a valid date in YYYYMMDD format"),
    ("form", {"client_id": GOOD["client_id"]}, "Missing form parameters"),
    ("json", {**GOOD, "end_date": 20271231}, "Missing JSON parameters"),
])
def test_unreadable_requests_get_the_seed_systems_answer(curl, service, token, how, fields,
                                                         message):
    reply = _register(curl, service, token, how, fields)
    assert reply.code == 400 and one_line(reply, bare=True) == message


def test_other_bodies(curl, service, token):
    url = service.url("/client/registe")
    auth = ["-H", f"Authorization: Bearer {token}"]
    reply = curl_call(curl, url, *auth, "-H", "Content-Type: text/plain", "--data", "x=1",
                      ca=service.ca_dir / "ca.pem")
    assert reply.code == 400 and one_line(reply, bare=True) == (
        "Unsupported Content-Type. Supported types: application/x-www-form-urlencoded, "
        "application/json")
    # the last: nested past Python's recursion limit (a RecursionError, once a 500)
    for body in ("{not json", "[1, 2]", '"text"', "\xff", "[" * 5000 + "]" * 5000):
        reply = curl_call(curl, url, *auth, "-H", "Content-Type: application/json",
                          "--data-binary", body, ca=service.ca_dir / "ca.pem")
        assert reply.code == 400 and one_line(reply, bare=True) == "Missing JSON parameters"
    duplicate = urlencode(GOOD) + "&client_id=HZ10000XXXXXXXX2"
    reply = curl_call(curl, f"{url}?{duplicate}", *auth, ca=service.ca_dir / "ca.pem")
    assert one_line(reply, bare=True) == "Query deserialize error: duplicate field `client_id`"
    reply = curl_call(curl, f"{url}?{urlencode(GOOD)}", *auth, "-I",
                      ca=service.ca_dir / "ca.pem")                       # HEAD registers nothing
    assert reply.code == 405


@pytest.mark.parametrize("how", ["get", "form", "json"])
def test_a_registration(curl, openssl, service, service_ca, token, how, tmp_path):
    fields = {**GOOD, "client_id": f"HZ10000{how.upper():X<8}1"[:16]}
    if how == "json":
        fields["client_mac_address"] = "0a-1b-0c-e3-9c-8b"                  # the other form
    reply = _register(curl, service, token, how, fields)
    assert reply.code == 200, reply.text()
    assert "content-type: application/json" in reply.headers
    assert "cache-control: no-store" in reply.headers
    answer = json.loads(reply.body)
    assert list(answer) == ["ca_cert", "client_cert", "client_key"]
    assert answer["ca_cert"] == (service.ca_dir / "ca.pem").read_text()
    certificate = cx509.load_pem_x509_certificate(answer["client_cert"].encode())
    key = serialization.load_pem_private_key(answer["client_key"].encode(), password=None)
    assert key.public_key().public_numbers() == certificate.public_key().public_numbers()
    assert answer["client_key"].startswith("-----BEGIN PRIVATE KEY-----")         # PKCS #8
    assert certificate.subject.rfc4514_string() == \
        f"CN={fields['client_id']},O={fields['client_name']}"
    assert certificate.not_valid_after_utc.strftime("%Y%m%d %H%M%S") == "20271231 235959"
    values = {e.oid.dotted_string: e.value.value for e in certificate.extensions
              if e.oid.dotted_string.startswith("1.3.6.1.4.15967132172.")}
    assert values == {"1.3.6.1.4.15967132172.1": fields["client_machine_id"].encode(),
                      "1.3.6.1.4.15967132172.2": fields["client_mac_address"].encode()}
    (tmp_path / "client.pem").write_text(answer["client_cert"])
    verified = subprocess.run([openssl, "verify", "-CAfile", service.ca_dir / "ca.pem",
                               "-purpose", "sslclient", tmp_path / "client.pem"],
                              capture_output=True, text=True)
    assert verified.returncode == 0, verified.stderr
    record = service_ca.inventory.get(certificate.serial_number)
    assert record.pem == answer["client_cert"] and answer["client_key"] not in record.pem
    secret_body = "".join(answer["client_key"].splitlines()[1:-1])
    for path in service.ca_dir.rglob("*"):                               # the key is kept nowhere
        if path.is_file():
            kept = "".join(path.read_text(errors="replace").split())
            assert secret_body not in kept, path
    assert secret_body not in "".join(service.log.split())               # and logged nowhere
    row, = service_ca.inventory.audit_page(action="register", target=record.serial_hex)
    assert (row.actor, row.source) == (token.split(".")[0], "127.0.0.1")
    if how == "get":
        assert '"GET /client/registe?..." 200' in service.log
    assert fields["client_machine_id"] not in service.log          # machine-id(5): not in logs


def test_the_binding_is_written_as_the_seed_system_writes_it(curl, service, token):
    """The seed system's own certificate (client-HZ109999.pem) carries the machine id and MAC
    as raw octets: a registration with the same values carries the same octets."""
    seed = cx509.load_pem_x509_certificate(require_shared(INTEROP / "client-HZ109999.pem")
                                           .read_bytes())
    fields = {**GOOD, "client_machine_id": "c417aa4802b3441d931c135cbdaab367",
              "client_mac_address": "18:c0:4d:fa:c0:a8", "client_id": "HZ10999900000002"}
    reply = _register(curl, service, token, "form", fields)
    assert reply.code == 200, reply.text()
    ours = cx509.load_pem_x509_certificate(json.loads(reply.body)["client_cert"].encode())
    for oid in ("1.3.6.1.4.15967132172.1", "1.3.6.1.4.15967132172.2"):
        theirs = seed.extensions.get_extension_for_oid(cx509.ObjectIdentifier(oid))
        mine = ours.extensions.get_extension_for_oid(cx509.ObjectIdentifier(oid))
        assert mine.value.value == theirs.value.value and mine.critical == theirs.critical


def test_with_a_csr_the_key_stays_on_the_client(curl, openssl, service, service_ca, tmp_path):
    token = make_token(service_ca, client_id="HZ10000CSRXXXXX1")
    key = tmp_path / "client.key"
    subprocess.run([openssl, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key], check=True, capture_output=True)
    csr = subprocess.run([openssl, "req", "-new", "-key", key, "-subj", "/CN=ignored"],
                         check=True, capture_output=True, text=True).stdout
    fields = {**GOOD, "client_id": "HZ10000CSRXXXXX1", "csr": csr}
    reply = _register(curl, service, token, "json", fields)
    assert reply.code == 200, reply.text()
    answer = json.loads(reply.body)
    assert list(answer) == ["ca_cert", "client_cert"] and "cache-control" not in reply.headers
    certificate = load_pem_certificate(answer["client_cert"])
    public = subprocess.run([openssl, "pkey", "-in", key, "-pubout", "-outform", "DER"],
                            check=True, capture_output=True).stdout
    assert certificate.public_key_info.raw == public
    assert certificate.subject.common_name == "HZ10000CSRXXXXX1"         # the parameters decide


def test_bad_csrs_cost_no_use(curl, service, service_ca):
    token = make_token(service_ca)
    for csr in ("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----",
                "not base64 at all!", "MAMCAQU="):
        reply = _register(curl, service, token, "json", {**GOOD, "csr": csr})
        assert reply.code == 400 and "csr is not a PKCS #10 request" in one_line(reply, bare=True)
    assert service_ca.inventory.token(token.split(".")[0]).uses_spent == 0


def test_the_bearer_token(curl, service, service_ca):
    """The first documented difference: no token, a wrong one, one for another client or for
    a server: refused, one line, nothing spent."""
    source = "127.0.0.21"
    reply = _register(curl, service, None, "get", GOOD, source=source)
    assert reply.code == 401 and "Authorization: Bearer" in one_line(reply, bare=True)
    assert 'www-authenticate: bearer realm="x509core"' in reply.headers
    reply = _register(curl, service, None, "get", GOOD, source=source,
                      extra=["-H", "Authorization: Basic eDp5"])
    assert reply.code == 401
    reply = _register(curl, service, "0123456789abcdef.guess", "get", GOOD, source=source)
    assert reply.code == 401 and one_line(reply, bare=True) == \
        "unknown enrollment token or wrong secret"
    assert 'bearer realm="x509core", error="invalid_token"' in reply.headers   # RFC 6750 §3.1
    raw = curl_call(curl, f"{service.url('/client/registe')}?{urlencode(GOOD)}", "-H",
                    b"Authorization: Bearer 0123456789abcdef.\xff\xfe", source=source,
                    ca=service.ca_dir / "ca.pem")                       # bytes that are no text
    assert raw.code == 401 and "not an enrollment token" in one_line(raw, bare=True)
    other = make_token(service_ca, client_id="HZ10000OTHERXXX1")
    reply = _register(curl, service, other, "form", GOOD, source=source)
    assert reply.code == 403 and "allows client id 'HZ10000OTHERXXX1'" in one_line(reply, bare=True)
    server = make_token(service_ca, profile="server", dns=("pacs.example.org",))
    reply = _register(curl, service, server, "json", GOOD, source=source)
    assert reply.code == 403 and "for a server certificate" in one_line(reply, bare=True)
    assert 'error="insufficient_scope"' in reply.headers
    for presented in (other, server):
        assert service_ca.inventory.token(presented.split(".")[0]).uses_spent == 0
    refusals = [e for e in service_ca.inventory.audit_page(action="register", outcome="failure")
                if e.source == source]
    assert [e.detail[:3] for e in refusals] == ["401", "401", "401", "401", "403", "403"]


def test_an_end_date_the_ca_cannot_honour(curl, service, token):
    for end_date, words in (("20200101", "not in the future"), ("20991231", "after the CA certificate expires")):
        reply = _register(curl, service, token, "get", {**GOOD, "end_date": end_date})
        assert reply.code == 400 and words in one_line(reply, bare=True)
