"""RSA-4096 PKCS#1 v1.5 SHA-256 signing and verification, against peers and against the limit.

The limit is what constant-time CRT signing cannot avoid: two ``gmpy2.powmod_sec`` half-size
exponentiations plus the CRT recombination, measured alone on the same key. Goals (issue 3):
signing within 1.1x of that limit and at most 1.3x pyca/cryptography; verification no slower than
pyca/cryptography. The pyca/cryptography row is each group's reference.
"""

from __future__ import annotations

from benchmarks.harness import Row, measure

MESSAGE = b"x509core benchmark message " * 8


def _keys():
    from cryptography.hazmat.primitives.asymmetric import rsa as crypto_rsa

    from x509core.rsa.key import RSAPrivateKey
    crypto_key = crypto_rsa.generate_private_key(public_exponent=65537, key_size=4096)
    nums = crypto_key.private_numbers()
    ours = RSAPrivateKey(n=nums.public_numbers.n, e=nums.public_numbers.e, d=nums.d, p=nums.p,
                         q=nums.q, dp=nums.dmp1, dq=nums.dmq1, qinv=nums.iqmp)
    return crypto_key, ours


def _limit(key):
    import gmpy2
    p, q, dp, dq, qinv = map(gmpy2.mpz, (key.p, key.q, key.dp, key.dq, key.qinv))
    c = gmpy2.mpz(key.n - 12345)

    def run():
        m1 = gmpy2.powmod_sec(c % p, dp, p)
        m2 = gmpy2.powmod_sec(c % q, dq, q)
        return m2 + q * ((m1 - m2) * qinv % p)
    return run


def _public_limit(key, signature: bytes):
    import gmpy2
    s, e, n = gmpy2.mpz(int.from_bytes(signature, "big")), gmpy2.mpz(key.e), gmpy2.mpz(key.n)
    return lambda: gmpy2.powmod(s, e, n)


def _with_backend(name, fn):
    from x509core.rsa import _mpz

    def run():
        previous = _mpz.BACKEND
        _mpz.set_backend(name)
        try:
            return fn()
        finally:
            _mpz.set_backend(previous)
    return run


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
        Row(group_sign, "limit: 2x gmpy2.powmod_sec + CRT", measure(_limit(ours), min_time=t)),
        Row(group_sign, "x509core (gmpy2, blinded, fault-checked)", measure(
            _with_backend("gmpy2", lambda: ours.sign(MESSAGE)), min_time=t),
            note="goal: <= 1.1x limit, <= 1.3x pyca"),
        Row(group_sign, "pycryptodome", measure(
            lambda: pkcs1_15.new(dome_key).sign(SHA256.new(MESSAGE)), min_time=t)),
        Row(group_sign, "x509core (pure Python)", measure(
            _with_backend("python", lambda: ours.sign(MESSAGE)), min_time=t, repeat=3)),
        Row(group_sign, "python-rsa", measure(
            lambda: python_rsa.sign(MESSAGE, py_private, "SHA-256"), min_time=t, repeat=3)),
        Row(group_verify, "pyca/cryptography (OpenSSL)", measure(
            lambda: crypto_pub.verify(sig, MESSAGE, padding.PKCS1v15(), hashes.SHA256()), min_time=t),
            reference=True),
        Row(group_verify, "limit: gmpy2.powmod(s, e, n) alone", measure(
            _public_limit(ours, sig), min_time=t)),
        Row(group_verify, "x509core (gmpy2)", measure(
            _with_backend("gmpy2", lambda: public.verify(sig, MESSAGE)), min_time=t),
            note="goal: <= 1.0x pyca"),
        Row(group_verify, "pycryptodome", measure(
            lambda: pkcs1_15.new(dome_key.public_key()).verify(SHA256.new(MESSAGE), sig), min_time=t)),
        Row(group_verify, "x509core (pure Python)", measure(
            _with_backend("python", lambda: public.verify(sig, MESSAGE)), min_time=t)),
        Row(group_verify, "python-rsa", measure(lambda: python_rsa.verify(MESSAGE, sig, py_public), min_time=t)),
    ]
    return rows
