"""RSA-4096 PKCS#1 v1.5 SHA-256 signing and verification, against peers and against the limit.

The limit is what constant-time CRT signing cannot avoid: two ``gmpy2.powmod_sec`` half-size
exponentiations plus the CRT recombination, measured alone on the same key; one after the
other, and at once on two cores (``bignum.powmod_sec_pair``, what x509core runs when a second
core is there). Goals (issue 3): signing within 1.1x of the limit and at most 1.3x
pyca/cryptography; verification no slower than pyca/cryptography. The pyca/cryptography row is
each group's reference.
"""

from __future__ import annotations

from benchmarks.harness import Row, crt_limit, crt_limit_threads, measure, one_core, with_backend, x509core_key

MESSAGE = b"x509core benchmark message " * 8


def _keys():
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa
    crypto_key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096)
    return crypto_key, x509core_key(crypto_key)


def _public_limit(key, signature: bytes):
    import gmpy2
    s, e, n = gmpy2.mpz(int.from_bytes(signature, "big")), gmpy2.mpz(key.e), gmpy2.mpz(key.n)
    return lambda: gmpy2.powmod(s, e, n)


def run(quick: bool) -> list[Row]:
    import rsa as python_rsa
    from Crypto.Hash import SHA256
    from Crypto.PublicKey import RSA as CryptoRSA
    from Crypto.Signature import pkcs1_15
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    crypto_key, ours = _keys()
    public = ours.public_key()
    dome_key = CryptoRSA.construct((ours.n, ours.e, ours.d, ours.p, ours.q))
    py_private = python_rsa.PrivateKey(ours.n, ours.e, ours.d, ours.p, ours.q)
    py_public = python_rsa.PublicKey(ours.n, ours.e)
    t = 0.3 if quick else 2.0
    sig = ours.sign(MESSAGE)
    group_sign = "RSA-4096 sign (PKCS#1 v1.5, SHA-256)"
    group_verify = "RSA-4096 verify (PKCS#1 v1.5, SHA-256)"
    crypto_pub = crypto_key.public_key()
    rows = [
        Row(group_sign, "pyca/cryptography (OpenSSL)", measure(
            lambda: crypto_key.sign(MESSAGE, padding.PKCS1v15(), hashes.SHA256()), min_time=t), reference=True),
        Row(group_sign, "limit: 2x gmpy2.powmod_sec + CRT", measure(crt_limit(ours), min_time=t)),
        Row(group_sign, "limit, the two halves at once (powmod_sec_pair) + CRT", measure(
            with_backend("gmpy2", crt_limit_threads(ours)), min_time=t)),
        Row(group_sign, "x509core (gmpy2, blinded, fault-checked)", measure(
            with_backend("gmpy2", lambda: ours.sign(MESSAGE)), min_time=t),
            note="goal: <= 1.1x the limit of the halves at once, <= 1.3x pyca"),
        Row(group_sign, "x509core (gmpy2), the halves one after the other (one core)", measure(
            with_backend("gmpy2", one_core(lambda: ours.sign(MESSAGE))), min_time=t),
            note="as pyca and pycryptodome sign: on one core"),
        Row(group_sign, "pycryptodome", measure(
            lambda: pkcs1_15.new(dome_key).sign(SHA256.new(MESSAGE)), min_time=t)),
        Row(group_sign, "x509core (pure Python)", measure(
            with_backend("python", lambda: ours.sign(MESSAGE)), min_time=t, repeat=3)),
        Row(group_sign, "python-rsa", measure(
            lambda: python_rsa.sign(MESSAGE, py_private, "SHA-256"), min_time=t, repeat=3)),
        Row(group_verify, "pyca/cryptography (OpenSSL)", measure(
            lambda: crypto_pub.verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA256()), min_time=t),
            reference=True),
        Row(group_verify, "limit: gmpy2.powmod(s, e, n) alone", measure(
            _public_limit(ours, sig), min_time=t)),
        Row(group_verify, "x509core (gmpy2)", measure(
            with_backend("gmpy2", lambda: public.verify(sig, MESSAGE)), min_time=t),
            note="goal: <= 1.0x pyca"),
        Row(group_verify, "pycryptodome", measure(
            lambda: pkcs1_15.new(dome_key.public_key()).verify(SHA256.new(MESSAGE), sig), min_time=t)),
        Row(group_verify, "x509core (pure Python)", measure(
            with_backend("python", lambda: public.verify(sig, MESSAGE)), min_time=t)),
        Row(group_verify, "python-rsa", measure(lambda: python_rsa.verify(MESSAGE, sig, py_public), min_time=t)),
    ]
    return rows
