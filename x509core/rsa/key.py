"""RSA public and private keys, and the four RSA primitives. RFC 8017 §3 and §5.

:class:`RSAPublicKey` and :class:`RSAPrivateKey` are immutable values whose constructors check the
relations of RFC 8017 §3.1 and §3.2 on every load; :func:`rsaep`, :func:`rsadp`, :func:`rsasp1`
and :func:`rsavp1` are the primitives of RFC 8017 §5.1 and §5.2. The padding schemes live in
``pkcs1.py`` (PKCS #1 v1.5), ``pss.py`` (RSASSA-PSS) and ``oaep.py`` (RSAES-OAEP); the key methods
``sign``, ``verify``, ``encrypt`` and ``decrypt`` only pick one of them by name.

Accepted sizes. Public keys: moduli of 1024 to 16384 bits (1024-bit keys are still met when
verifying old signatures). Private keys: 1024 to 16384 bits too. The floor is 1024 and not 2048
because RSA-1024 private keys still appear in interoperability suites (Wycheproof's
``rsa_oaep_misc`` and ``rsa_pkcs1_1024_sig_gen`` use them); generating new keys is the business of
``keygen.py``, which only makes 2048 bits and more. Both kinds need an odd n and an odd e with
3 <= e < n (RFC 8017 §3.1).

Bounded work. A public operation costs about (bits of e) x (bits of n)^2, and both come from
whoever made the key: a 16384-bit modulus with an exponent just below it takes a second of CPU
(ten with the pure-Python backend). So no operation is done with a modulus above 16384 bits
(OpenSSL's OPENSSL_RSA_MAX_MODULUS_BITS) or, above 3072 bits, with an exponent above 64 bits
(OpenSSL's RSA_MAX_PUBEXP_BITS rule, rsa_ossl.c; CA/B BR §6.1.6 asks for e < 2^256 anyway): the
worst case left is a 3072-bit exponent on a 3072-bit modulus, a few milliseconds.
:func:`public_key_problem` states these rules; certificate parsing keeps a key that breaks them
(:meth:`RSAPublicKey.unchecked`, the problem recorded as a finding) and :func:`rsaep` and
:func:`rsavp1` refuse to compute with it.

What every private-key operation does (RSADP, RSASP1; RFC 8017 §5.1.2 step 2b, the CRT form):

1. Blinding. A fresh r is drawn for each operation, uniformly from [2, n-1] with gcd(r, n) = 1,
   from :mod:`secrets`. The input x becomes x' = x * r^e mod n, the CRT computes y' = x'^d mod n,
   and the result is y = y' * r^-1 mod n. The exponentiations therefore never see the input: they
   see x', which is uniform and independent of x. This defeats chosen-input timing attacks
   (Kocher 1996; Brumley and Boneh 2003). The exponents dP and dQ themselves are not blinded.
2. The CRT: m1 = x'^dP mod p and m2 = x'^dQ mod q with ``_mpz.powmod_sec``, then
   h = qInv * (m1 - m2) mod p and y' = m2 + q * h. Under gmpy2, for halves of 1024 bits and
   more and with two CPUs, the two exponentiations run at the same time, m2 on a worker thread
   (``bignum.powmod_sec_pair``): the same two ``mpz_powm_sec`` calls, in half the wall time.
3. Fault check. Before anything is released, y^e mod n is compared with x. A fault in one CRT half
   (a glitch, a bit flip, a bug) gives a y that is right modulo one prime only, and then
   gcd(y^e - x, n) is the other prime (Boneh, DeMillo and Lipton 1997; Lenstra 1996). On a
   mismatch the operation raises :class:`InvalidValue` and returns nothing.

What is and is not constant-time:

- gmpy2 backend. The two half exponentiations use GMP's ``mpz_powm_sec``, whose sequence of
  operations and memory accesses does not depend on the bits of dP or dQ, with the wheel's GMP
  or the system's alike (``bignum.py``, "Which GMP"; ``x509core doctor`` says which). Everything else is
  ordinary GMP and Python arithmetic, which is NOT constant-time: the reductions x' mod p and
  x' mod q, the recombination with qInv and q, r^e, the inversion of r (an extended Euclid whose
  steps depend on r and n), the products with r, and the conversions between int and mpz. All of
  them work on blinded values or on r; their timing depends mostly on the lengths of the operands.
- python backend. Nothing is constant-time. CPython's ``pow`` uses a windowed method whose
  sequence of multiplications follows the bits of dP and dQ, and big-int arithmetic takes time that
  depends on the values. Blinding is the only defence: it hides the relation between the input and
  the intermediate values, but not the exponent's bit pattern from an attacker who can watch one
  operation closely (for example a process sharing the CPU cache). Use gmpy2 where that matters.

Secrets live in Python ``int`` objects, which cannot be wiped from memory. The load-time checks
do not test p and q for primality (too slow to run on every load); a composite "prime" either
breaks a checked relation or makes the private operations fail the fault check.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from x509core.errors import InvalidValue, UnsupportedAlgorithm
from x509core import bignum as _mpz

__all__ = ["MIN_MODULUS_BITS", "MIN_PRIVATE_MODULUS_BITS", "MAX_MODULUS_BITS",
           "SMALL_MODULUS_BITS", "MAX_LARGE_EXPONENT_BITS", "RSAPublicKey", "RSAPrivateKey",
           "public_key_problem", "rsaep", "rsadp", "rsasp1", "rsavp1"]

MIN_MODULUS_BITS = 1024          # public keys: legacy signatures still verify
MIN_PRIVATE_MODULUS_BITS = 1024  # private keys: Wycheproof's RSA-1024 vectors (see above)
MAX_MODULUS_BITS = 16384         # bounds the work an attacker-supplied key can cause
SMALL_MODULUS_BITS = 3072        # above this, e is bounded too (OpenSSL's RSA_SMALL_MODULUS_BITS)
MAX_LARGE_EXPONENT_BITS = 64     # OpenSSL's RSA_MAX_PUBEXP_BITS

_FAULT_MESSAGE = "RSA private-key operation failed its consistency check (possible fault)"

# The random source of the blinding factor: random_below(k) is uniform in [0, k). Tests replace it.
_random_below = secrets.randbelow


def _require_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"RSA key component {name} must be an int, not {type(value).__name__}")
    return value


def public_key_problem(n: int, e: int) -> str | None:
    """Why (n, e) is not a key this module computes with, or None: the conditions of RFC 8017
    §3.1 and the work bounds above. The size floor is policy, left to the caller."""
    # Parity by the low bit: ``n % 2`` divides the whole modulus (0.6 µs at 3072 bits), and
    # this runs before every public operation.
    if n <= 0 or not n & 1:
        return "RSA modulus n must be odd and positive (a product of odd primes, RFC 8017 §3.1)"
    # RFC 8017 §3.1: "the RSA public exponent e is an integer between 3 and n - 1 satisfying
    # GCD(e, \lambda(n)) = 1"; lambda(n) is even, so e is odd.
    if not e & 1 or not 3 <= e < n:
        return "RSA public exponent e must be odd with 3 <= e < n (RFC 8017 §3.1)"
    bits = n.bit_length()
    if bits > MAX_MODULUS_BITS:
        return f"RSA modulus of {bits} bits is above the {MAX_MODULUS_BITS} bits x509core computes with"
    if bits > SMALL_MODULUS_BITS and e.bit_length() > MAX_LARGE_EXPONENT_BITS:
        return (f"RSA public exponent of {e.bit_length()} bits with a {bits}-bit modulus (above "
                f"{SMALL_MODULUS_BITS} bits, at most {MAX_LARGE_EXPONENT_BITS}: OpenSSL's bound)")
    return None


def _check_public(n: int, e: int, min_bits: int) -> None:
    """The public-key conditions of RFC 8017 §3.1, and the size policy of this module."""
    _require_int("n", n)
    _require_int("e", e)
    if n > 0 and not min_bits <= n.bit_length() <= MAX_MODULUS_BITS:
        raise InvalidValue(f"RSA modulus of {n.bit_length()} bits is outside the accepted "
                           f"{min_bits}..{MAX_MODULUS_BITS} bits")
    problem = public_key_problem(n, e)
    if problem is not None:
        raise InvalidValue(problem)


class _Modulus:
    """What both halves of a key say about their modulus ``n``."""

    __slots__ = ()
    n: int

    @property
    def key_size(self) -> int:
        """The length of n in bits ("modBits" in RFC 8017)."""
        return self.n.bit_length()

    @property
    def size_in_bytes(self) -> int:
        """The length of n in octets ("k" in RFC 8017)."""
        return (self.n.bit_length() + 7) // 8


@dataclass(frozen=True, slots=True, repr=False)
class RSAPublicKey(_Modulus):
    """An RSA public key (n, e). RFC 8017 §3.1 and §A.1.1::

        RSAPublicKey ::= SEQUENCE {
            modulus           INTEGER,  -- n
            publicExponent    INTEGER   -- e
        }
    """

    n: int
    e: int

    def __post_init__(self) -> None:
        _check_public(self.n, self.e, MIN_MODULUS_BITS)

    @classmethod
    def unchecked(cls, n: int, e: int) -> "RSAPublicKey":
        """The key (n, e) as a certificate carries it, without the checks of the constructor: a
        reader keeps what it read (a 512-bit key, an even exponent) and reports it; validation
        decides. :func:`rsavp1` and :func:`rsaep` still refuse a key with a
        :func:`public_key_problem`."""
        key = object.__new__(cls)
        object.__setattr__(key, "n", _require_int("n", n))
        object.__setattr__(key, "e", _require_int("e", e))
        return key

    @property
    def problem(self) -> str | None:
        """:func:`public_key_problem` of this key: None for every key the constructor made."""
        return public_key_problem(self.n, self.e)

    def __repr__(self) -> str:
        e = self.e if self.e.bit_length() <= 64 else _short_hex(self.e)     # no int->str limit
        return f"RSAPublicKey(key_size={self.key_size}, e={e}, n={_short_hex(self.n)})"

    def to_der(self) -> bytes:
        """SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7); see ``keys.py``."""
        from x509core.rsa import keys      # keys.py imports this module; import on use
        return keys.public_key_to_der(self)

    def to_pem(self) -> str:
        """SubjectPublicKeyInfo PEM (``PUBLIC KEY``)."""
        from x509core.rsa import keys
        return keys.public_key_to_pem(self)

    def verify(self, signature: bytes, message: bytes, hash_name: str = "sha256",
               padding: str = "pkcs1v15", salt_length: int | None = None, *,
               mgf1_hash_name: str | None = None) -> None:
        """Check a signature on ``message``: returns None or raises :class:`InvalidSignature`.

        ``padding`` is ``"pkcs1v15"`` (RFC 8017 §8.2.2) or ``"pss"`` (RFC 8017 §8.1.2). For PSS,
        ``salt_length=None`` accepts any salt length and ``mgf1_hash_name`` defaults to ``hash_name``.
        """
        scheme = _scheme(padding, ("pkcs1v15", "pss"))
        if padding == "pss":
            scheme.verify(self, hash_name, message, signature, salt_length=salt_length,
                          mgf1_hash_name=mgf1_hash_name)
        else:
            _refuse_pss_options(salt_length, mgf1_hash_name)
            scheme.verify(self, hash_name, message, signature)

    def encrypt(self, plaintext: bytes, padding: str = "oaep", hash_name: str = "sha256",
                label: bytes = b"", *, mgf1_hash_name: str | None = None) -> bytes:
        """Encrypt ``plaintext`` with RSAES-OAEP (RFC 8017 §7.1.1) or RSAES-PKCS1-v1_5 (§7.2.1).

        ``hash_name``, ``label`` and ``mgf1_hash_name`` apply to OAEP only.
        """
        scheme = _scheme(padding, ("oaep", "pkcs1v15"))
        if padding == "oaep":
            return scheme.encrypt(self, plaintext, hash_name=hash_name,
                                  mgf1_hash_name=mgf1_hash_name, label=label)
        _refuse_oaep_options(label, mgf1_hash_name)
        return scheme.encrypt(self, plaintext)


@dataclass(frozen=True, slots=True, kw_only=True, repr=False, eq=False)
class RSAPrivateKey(_Modulus):
    """An RSA private key in the CRT form, checked when it is made. RFC 8017 §3.2 and §A.1.2::

        RSAPrivateKey ::= SEQUENCE {
            version           Version,
            modulus           INTEGER,  -- n
            publicExponent    INTEGER,  -- e
            privateExponent   INTEGER,  -- d
            prime1            INTEGER,  -- p
            prime2            INTEGER,  -- q
            exponent1         INTEGER,  -- d mod (p-1)
            exponent2         INTEGER,  -- d mod (q-1)
            coefficient       INTEGER,  -- (inverse of q) mod p
            otherPrimeInfos   OtherPrimeInfos OPTIONAL
        }

    Two-prime keys only: otherPrimeInfos (multi-prime RSA) is not supported. Keys compare by
    identity (``eq=False``), so that no code path compares secrets with ``==``.
    """

    n: int
    e: int
    d: int
    p: int
    q: int
    dp: int
    dq: int
    qinv: int

    def __post_init__(self) -> None:
        for name in ("d", "p", "q", "dp", "dq", "qinv"):
            _require_int(name, getattr(self, name))
        _check_public(self.n, self.e, MIN_PRIVATE_MODULUS_BITS)
        _check_private(self)

    @classmethod
    def from_primes(cls, p: int, q: int, e: int = 65537) -> RSAPrivateKey:
        """The key with primes p, q and public exponent e; d = e^-1 mod lcm(p-1, q-1).

        RFC 8017 §3.2 (d, dP, dQ, qInv); FIPS 186-5 §A.1.1 takes d modulo lambda(n) too.
        """
        for name, value in (("p", p), ("q", q), ("e", e)):
            _require_int(name, value)
        if p <= 1 or q <= 1 or p == q:
            raise InvalidValue("RSA private key: p and q must be distinct integers greater than 1")
        try:
            d = _mpz.invert(e, _mpz.lcm(p - 1, q - 1))
            qinv = _mpz.invert(q, p)
        except ValueError:
            raise InvalidValue("RSA private key: e is not invertible modulo lcm(p-1, q-1), "
                               "or q is not invertible modulo p") from None
        return cls(n=p * q, e=e, d=d, p=p, q=q, dp=d % (p - 1), dq=d % (q - 1), qinv=qinv)

    def public_key(self) -> RSAPublicKey:
        """The public half (n, e)."""
        return RSAPublicKey(self.n, self.e)

    def __repr__(self) -> str:
        return (f"RSAPrivateKey(key_size={self.key_size}, e={self.e}, n={_short_hex(self.n)}, "
                f"private values hidden)")

    def to_der(self, password: bytes | str | None = None, *, format: str = "pkcs8") -> bytes:
        """PKCS#8 DER, PBES2-encrypted (PBKDF2-HMAC-SHA256, AES-256-CBC) when a password is
        given; ``format="pkcs1"`` for a bare RSAPrivateKey. See ``keys.py``."""
        from x509core.rsa import keys      # keys.py imports this module; import on use
        return keys.private_key_to_der(self, password, format=format)

    def to_pem(self, password: bytes | str | None = None, *, format: str = "pkcs8") -> str:
        """``PRIVATE KEY``, ``ENCRYPTED PRIVATE KEY`` or (pkcs1) ``RSA PRIVATE KEY`` PEM."""
        from x509core.rsa import keys
        return keys.private_key_to_pem(self, password, format=format)

    def sign(self, message: bytes, hash_name: str = "sha256", padding: str = "pkcs1v15",
             salt_length: int | None = None, *, mgf1_hash_name: str | None = None) -> bytes:
        """Sign ``message`` with RSASSA-PKCS1-v1_5 (RFC 8017 §8.2.1) or RSASSA-PSS (§8.1.1).

        Only sha256, sha384 and sha512 sign. For PSS the salt length defaults to the hash length
        and ``mgf1_hash_name`` to ``hash_name``.
        """
        scheme = _scheme(padding, ("pkcs1v15", "pss"))
        if padding == "pss":
            return scheme.sign(self, hash_name, message, salt_length=salt_length,
                               mgf1_hash_name=mgf1_hash_name)
        _refuse_pss_options(salt_length, mgf1_hash_name)
        return scheme.sign(self, hash_name, message)

    def decrypt(self, ciphertext: bytes, padding: str = "oaep", hash_name: str = "sha256",
                label: bytes = b"", *, mgf1_hash_name: str | None = None) -> bytes:
        """Decrypt with RSAES-OAEP (RFC 8017 §7.1.2) or RSAES-PKCS1-v1_5 (§7.2.2).

        Every decryption failure raises the same ``InvalidValue("decryption error")``.
        ``hash_name``, ``label`` and ``mgf1_hash_name`` apply to OAEP only.
        """
        scheme = _scheme(padding, ("oaep", "pkcs1v15"))
        if padding == "oaep":
            return scheme.decrypt(self, ciphertext, hash_name=hash_name,
                                  mgf1_hash_name=mgf1_hash_name, label=label)
        _refuse_oaep_options(label, mgf1_hash_name)
        return scheme.decrypt(self, ciphertext)


def _check_private(key: RSAPrivateKey) -> None:
    """The relations of RFC 8017 §3.2 between n, e, d, p, q, dP, dQ and qInv.

    Each message names the relation that fails, never a value.
    """
    p, q = key.p, key.q
    if p <= 1 or q <= 1 or p == q:
        raise InvalidValue("RSA private key: p and q must be distinct integers greater than 1")
    if p * q != key.n:
        raise InvalidValue("RSA private key is inconsistent: n != p*q")
    # RFC 8017 §3.2: "d is a positive integer less than n satisfying e * d == 1 (mod \lambda(n))".
    if not 0 < key.d < key.n or key.e * key.d % _mpz.lcm(p - 1, q - 1) != 1:
        raise InvalidValue("RSA private key is inconsistent: e*d != 1 mod lcm(p-1, q-1)")
    # RFC 8017 §3.2: dP and dQ are the CRT exponents, d mod (p-1) and d mod (q-1) (§A.1.2).
    if key.dp != key.d % (p - 1):
        raise InvalidValue("RSA private key is inconsistent: dP != d mod (p-1)")
    if key.dq != key.d % (q - 1):
        raise InvalidValue("RSA private key is inconsistent: dQ != d mod (q-1)")
    # RFC 8017 §3.2: "qInv is the CRT coefficient, a positive integer less than p satisfying
    # q * qInv == 1 (mod p)".
    if not 0 < key.qinv < p or key.qinv * q % p != 1:
        raise InvalidValue("RSA private key is inconsistent: qInv*q != 1 mod p")


def _short_hex(n: int) -> str:
    """A short public rendering of a modulus for repr: its first and last 8 hex digits."""
    digits = format(n, "x")
    return f"0x{digits[:8]}...{digits[-8:]}"


_SCHEMES: dict = {}          # padding name -> scheme module, filled by the first _scheme call


def _scheme(padding: str, allowed: tuple[str, ...]):
    """The module of the padding scheme named ``padding``, one of ``allowed``."""
    if padding not in allowed:
        raise UnsupportedAlgorithm(f"padding {padding!r} is not supported here "
                                   f"(expected one of {', '.join(allowed)})")
    if not _SCHEMES:
        # The scheme modules import this one for the primitives, so they are imported when a
        # key method first runs rather than at the top of the module (which would be a cycle);
        # once, not on every signature check.
        from x509core.rsa import oaep, pkcs1, pss
        _SCHEMES.update({"pkcs1v15": pkcs1, "pss": pss, "oaep": oaep})
    return _SCHEMES[padding]


def _refuse_pss_options(salt_length: int | None, mgf1_hash_name: str | None) -> None:
    if salt_length is not None or mgf1_hash_name is not None:
        raise InvalidValue("salt_length and mgf1_hash_name apply to PSS padding only")


def _refuse_oaep_options(label: bytes, mgf1_hash_name: str | None) -> None:
    if label or mgf1_hash_name is not None:
        raise InvalidValue("label and mgf1_hash_name apply to OAEP padding only")


def _check_representative(x: int, n: int, message: str) -> int:
    _require_int("representative", x)
    if not 0 <= x < n:
        raise InvalidValue(message)
    return x


def _require_usable(key: RSAPublicKey) -> None:
    problem = public_key_problem(key.n, key.e)
    if problem is not None:
        raise InvalidValue(problem)


def rsaep(key: RSAPublicKey, m: int) -> int:
    """RSA encryption primitive: c = m^e mod n. RFC 8017 §5.1.1."""
    _require_usable(key)
    _check_representative(m, key.n, "message representative out of range")   # step 1
    return _mpz.powmod(m, key.e, key.n)                                          # step 2


def rsadp(key: RSAPrivateKey, c: int) -> int:
    """RSA decryption primitive: m = c^d mod n, by the CRT, blinded and checked. RFC 8017 §5.1.2."""
    _check_representative(c, key.n, "ciphertext representative out of range")  # step 1
    return _private_operation(key, c)                                            # step 2b


def rsasp1(key: RSAPrivateKey, m: int) -> int:
    """RSA signature primitive: s = m^d mod n, by the CRT, blinded and checked. RFC 8017 §5.2.1."""
    _check_representative(m, key.n, "message representative out of range")     # step 1
    return _private_operation(key, m)                                            # step 2b


def rsavp1(key: RSAPublicKey, s: int) -> int:
    """RSA verification primitive: m = s^e mod n. RFC 8017 §5.2.2."""
    _require_usable(key)
    _check_representative(s, key.n, "signature representative out of range")   # step 1
    return _mpz.powmod(s, key.e, key.n)                                          # step 2


def _private_operation(key: RSAPrivateKey, x: int) -> int:
    """x^d mod n for 0 <= x < n: blinded, by the CRT, and checked before it is released."""
    r = _blinding_factor(key.n)
    blinded = x * _mpz.powmod(r, key.e, key.n) % key.n          # x' = x * r^e, so x'^d = x^d * r
    y = _crt(key, blinded) * _mpz.invert(r, key.n) % key.n      # y = x'^d * r^-1 = x^d
    # Fault check (Boneh-DeMillo-Lipton, Lenstra): a wrong CRT half gives a y with y^e = x modulo
    # one prime only, and gcd(y^e - x, n) would factor n. Such a y is never released.
    if _mpz.powmod(y, key.e, key.n) != x:
        raise InvalidValue(_FAULT_MESSAGE)
    return y


def _blinding_factor(n: int) -> int:
    """A fresh r, uniform in [2, n-1] with gcd(r, n) = 1, for one private operation."""
    while True:
        r = _random_below(n - 2) + 2
        if _mpz.gcd(r, n) == 1:
            return r


def _crt(key: RSAPrivateKey, c: int) -> int:
    """c^d mod n from the two half exponentiations. RFC 8017 §5.1.2 step 2b (u = 2)."""
    # step 2b.i: m_1 = c^dP mod p and m_2 = c^dQ mod q, at once where a second core is free
    m1, m2 = _mpz.powmod_sec_pair((c % key.p, key.dp, key.p), (c % key.q, key.dq, key.q))
    h = (m1 - m2) * key.qinv % key.p                   # step 2b.iii: h = (m_1 - m_2) * qInv mod p
    return m2 + key.q * h                              # step 2b.iv: m = m_2 + q * h
