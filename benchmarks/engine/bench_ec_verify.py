"""ECDSA verification on P-256, P-384 and P-521 (DER signature, the curve's usual hash).

Rows, each group measured in the same run with the implementations taking turns
(``measure_interleaved``), so load from other work on a shared machine falls on every row alike:

- pyca/cryptography (OpenSSL; P-256 with its constant-time assembly; the reference);
- pycryptodome (its C code for the curve arithmetic);
- x509core with the gmpy2 backend and with the pure-Python backend, through
  ``ECPublicKey.verify`` (hash, DER decoding, range checks, u1*G + u2*Q, final check);
- the part that bounds x509core: ``arithmetic.mul_add`` alone (one chain of doublings,
  interleaved additions), and the doubling chain alone (as many doublings as the order has bits,
  nothing else: the floor of any double-and-add method on these coordinates);
- python-ecdsa (the ``ecdsa`` package, Python code that does its arithmetic on gmpy2 when
  gmpy2 is installed, as here), where it is installed.

Goal (issue 11): P-256 verify within 15x pyca/cryptography with gmpy2; pure Python as fast as
it can be made. The generator table is built before timing (it is built once per process).
"""

from __future__ import annotations

import hashlib

from benchmarks.harness import Row, measure_interleaved, with_backend

MESSAGE = b"x509core benchmark: a TBSCertificate stands here " * 6
CURVES = [("P-256", "sha256"), ("P-384", "sha384"), ("P-521", "sha512")]
SECRET = 0x2F1C_9E4B_77A0_D35E_1B86_C4F2_0A97_E3D1_5C28_B6F4_9D03_7E1A_C5B8_246F_E09D_3A71


def _material(nist_name: str, hash_name: str):
    """(pyca public key, DER signature, x509core ECPublicKey, pyca hash), one fixed key."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    from x509core.ec import ECPublicKey, curve_by_name
    pyca_curve = {"P-256": ec.SECP256R1(), "P-384": ec.SECP384R1(),
                  "P-521": ec.SECP521R1()}[nist_name]
    pyca_hash = {"sha256": hashes.SHA256(), "sha384": hashes.SHA384(),
                 "sha512": hashes.SHA512()}[hash_name]
    private = ec.derive_private_key(SECRET, pyca_curve)
    signature = private.sign(MESSAGE, ec.ECDSA(pyca_hash))
    numbers = private.public_key().public_numbers()
    key = ECPublicKey(curve_by_name(nist_name), numbers.x, numbers.y)
    return private.public_key(), signature, key, pyca_hash


def _doubling_chain(curve):
    """The doublings alone: key_size Jacobian doublings, written as mul_add writes them."""
    from x509core import bignum

    def run():
        mpz = bignum.mpz
        p, X, Y, Z = mpz(curve.p), mpz(curve.gx), mpz(curve.gy), mpz(1)
        for _ in range(curve.n.bit_length()):
            delta = Z * Z % p
            gamma = Y * Y % p
            beta = X * gamma % p
            alpha = 3 * (X - delta) * (X + delta) % p
            Z = 2 * Y * Z % p
            X = (alpha * alpha - 8 * beta) % p
            Y = (alpha * (4 * beta - X) - 8 * gamma * gamma) % p
        return X
    return run


def _peers(nist_name, hash_name, signature, key):
    """(label, function) for pycryptodome and python-ecdsa, where they are installed."""
    peers = []
    try:
        from Crypto.Hash import SHA256, SHA384, SHA512
        from Crypto.PublicKey import ECC
        from Crypto.Signature import DSS
        dome_key = ECC.construct(curve=nist_name, point_x=key.x, point_y=key.y)
        dome_hash = {"sha256": SHA256, "sha384": SHA384, "sha512": SHA512}[hash_name]
        verifier = DSS.new(dome_key, "fips-186-3", encoding="der")
        peers.append(("pycryptodome", lambda: verifier.verify(dome_hash.new(MESSAGE), signature)))
    except ImportError:
        pass
    try:
        import ecdsa as python_ecdsa
        from ecdsa.util import sigdecode_der
        curve = {"P-256": python_ecdsa.NIST256p, "P-384": python_ecdsa.NIST384p,
                 "P-521": python_ecdsa.NIST521p}[nist_name]
        vk = python_ecdsa.VerifyingKey.from_string(key.to_encoded_point(), curve=curve,
                                                   hashfunc=getattr(hashlib, hash_name))
        peers.append(("python-ecdsa (Python on gmpy2)",
                      lambda: vk.verify(signature, MESSAGE, sigdecode=sigdecode_der)))
    except ImportError:
        pass
    return peers


def _group(nist_name: str, hash_name: str, t: float) -> list[Row]:
    from cryptography.hazmat.primitives.asymmetric import ec

    from x509core.ec import arithmetic
    public, signature, key, pyca_hash = _material(nist_name, hash_name)
    curve = key.curve
    u1, u2 = curve.n // 3, curve.n // 5
    for backend in ("gmpy2", "python"):          # build each backend's generator table first
        with_backend(backend, lambda: key.verify(signature, MESSAGE, hash_name))()
    functions = [
        ("pyca/cryptography (OpenSSL)",
         lambda: public.verify(signature, MESSAGE, ec.ECDSA(pyca_hash)), ""),
        ("x509core ECPublicKey.verify (gmpy2)",
         with_backend("gmpy2", lambda: key.verify(signature, MESSAGE, hash_name)),
         "goal: <= 15x pyca" if nist_name == "P-256" else ""),
        ("  part: arithmetic.mul_add alone (gmpy2)",
         with_backend("gmpy2", lambda: arithmetic.mul_add(curve, u1, u2, key.x, key.y)), ""),
        ("  part: the doublings alone (gmpy2)", with_backend("gmpy2", _doubling_chain(curve)),
         f"{curve.n.bit_length()} Jacobian doublings: the floor of this method"),
        ("x509core ECPublicKey.verify (pure Python)",
         with_backend("python", lambda: key.verify(signature, MESSAGE, hash_name)), ""),
        ("  part: the doublings alone (pure Python)",
         with_backend("python", _doubling_chain(curve)), ""),
    ]
    functions += [(label, fn, "") for label, fn in _peers(nist_name, hash_name, signature, key)]
    stats = measure_interleaved([fn for _, fn, _ in functions], min_time=t)
    group = f"ECDSA verify, {nist_name} with {hash_name.upper()} (DER signature)"
    return [Row(group, label, s, reference=(i == 0), note=note)
            for i, ((label, _, note), s) in enumerate(zip(functions, stats))]


def run(quick: bool) -> list[Row]:
    t = 0.5 if quick else 4.0
    rows: list[Row] = []
    for nist_name, hash_name in CURVES:
        rows += _group(nist_name, hash_name, t)
    return rows
