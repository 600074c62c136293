"""Shared fixtures of the CA tests: CAs made from the pre-generated RSA-4096 fixture key (no key
generation), leaf keys from the RSA-2048 fixture, and the seed system's binding values.

- ``ca_key`` / ``leaf_key`` / ``other_leaf_key`` (session): fixture keys as x509core keys.
- ``shared_ca`` (session): one unencrypted CA for tests that only add to it; never assume its
  inventory is empty or in a given state.
- ``make_ca`` (function): ``make_ca(directory=None, **create_kwargs)`` makes a fresh unencrypted
  CA (one RSA-4096 signature, no keygen) in a new temporary directory, with a SQLite inventory.
- ``engine_ca`` (function, both engines): like ``make_ca``, with the inventory on each engine in
  turn (``inventory_location`` of tests/conftest.py: SQLite, then a fresh PostgreSQL database;
  the PostgreSQL run carries the ``postgres`` marker).
- ``encrypted_ca_dir`` (session): the directory of a CA whose key is encrypted with
  ``PASSPHRASE`` (PBKDF2 600 000 iterations: about 0.5 s per open; open it rarely).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from tests.rsa.keys_fixture import RSA_2048, RSA_3072, RSA_4096, private_key
from x509core.ca.issuance.certificate_authority import CertificateAuthority

__all__ = ["PASSPHRASE", "CA_SUBJECT", "MACHINE_ID", "MAC", "CLIENT_ID", "ORG"]

PASSPHRASE = b"correct horse battery staple"
CA_SUBJECT = "/C=DE/O=Example Clinic/CN=Example Clinic Root CA"
MACHINE_ID = "c417aa4802b3441d931c135cbdaab367"      # the seed system's client-HZ109999.pem
MAC = "18:c0:4d:fa:c0:a8"
CLIENT_ID = "HZ10999900000001"
ORG = "HzMomoStarsky.LTD"


@pytest.fixture(scope="session")
def ca_key():
    return private_key(RSA_4096)


@pytest.fixture(scope="session")
def leaf_key():
    return private_key(RSA_2048)


@pytest.fixture(scope="session")
def other_leaf_key():
    return private_key(RSA_3072)


@pytest.fixture(scope="session")
def shared_ca(tmp_path_factory, ca_key):
    ca = CertificateAuthority.create(tmp_path_factory.mktemp("shared") / "ca", subject=CA_SUBJECT,
                                     passphrase=None, key=ca_key)
    yield ca
    ca.close()


@pytest.fixture(scope="session")
def encrypted_ca_dir(tmp_path_factory, ca_key) -> Path:
    directory = tmp_path_factory.mktemp("encrypted") / "ca"
    CertificateAuthority.create(directory, subject=CA_SUBJECT, passphrase=PASSPHRASE,
                                key=ca_key).close()
    return directory


@pytest.fixture
def make_ca(tmp_path, ca_key):
    made, counter = [], itertools.count()

    def make(directory=None, **kwargs):
        kwargs.setdefault("subject", CA_SUBJECT)
        kwargs.setdefault("passphrase", None)
        kwargs.setdefault("key", ca_key)
        ca = CertificateAuthority.create(directory or tmp_path / f"ca{next(counter)}", **kwargs)
        made.append(ca)
        return ca

    yield make
    for ca in made:
        ca.close()


@pytest.fixture
def engine_ca(make_ca, inventory_location):
    """``make_ca`` on each inventory engine in turn."""
    def make(directory=None, **kwargs):
        kwargs.setdefault("inventory", inventory_location)
        return make_ca(directory, **kwargs)
    make.location = inventory_location
    return make
