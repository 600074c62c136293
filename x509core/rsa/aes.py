"""AES-128/192/256 (FIPS 197), and CBC mode with PKCS#7 padding (SP 800-38A §6.2, RFC 5652 §6.3).

This is what PBES2 with AES-CBC-Pad (RFC 8018 §6.2, Appendix B.2.5) needs to protect a private
key at rest with a passphrase (encrypted PKCS#8, RFC 5958). Nothing else in x509core uses it.

NOT constant-time. The rounds look up tables indexed by bytes of the state, which depend on the
key and the data; which cache lines those lookups touch shows through cache timing to anything
that shares the CPU (Bernstein 2005, Osvik-Shamir-Tromer 2006). The padding check and Python's
integers are not constant-time either. That is acceptable for decrypting a key file with a
passphrase on the machine that owns it; this module must never run on a network-facing path
(TLS records, decrypting what a remote party sent, or anything that answers a remote party).

The tables are computed at import from the definitions, so that they can be checked against
the standard rather than trusted: the S-box from the inverse in GF(2^8) and the affine map
(FIPS 197 §5.1.1), and the round tables ("T-tables", Daemen and Rijmen, "The Design of
Rijndael" §4.2) from SubBytes, ShiftRows and MixColumns. Decryption is the equivalent inverse
cipher (FIPS 197 §5.3.5).
"""

from __future__ import annotations

from x509core.errors import InvalidValue

__all__ = ["BLOCK_SIZE", "AES", "pkcs7_pad", "pkcs7_unpad", "cbc_encrypt", "cbc_decrypt"]

BLOCK_SIZE = 16
_ROUNDS = {16: 10, 24: 12, 32: 14}                    # Nr for Nk = 4, 6, 8 words (FIPS 197 §5)
_DECRYPTION_FAILED = "decryption failed: wrong passphrase or corrupt data"


def _xtime(b: int) -> int:
    """Multiplication by x (that is {02}) in GF(2^8) modulo x^8+x^4+x^3+x+1. FIPS 197 §4.2.1."""
    b <<= 1
    return b ^ 0x11B if b & 0x100 else b


def _gmul(a: int, b: int) -> int:
    """The product of a and b in GF(2^8). FIPS 197 §4.2."""
    result = 0
    while b:
        if b & 1:
            result ^= a
        a, b = _xtime(a), b >> 1
    return result


def _make_sbox() -> tuple[list[int], list[int]]:
    """SubBytes and its inverse. FIPS 197 §5.1.1 and §5.3.2."""
    # Inverses through powers of the generator {03}: a = 3^i, so a^-1 = 3^(255 - i).
    power, log, x = [0] * 255, [0] * 256, 1
    for i in range(255):
        power[i], log[x] = x, i
        x ^= _xtime(x)                                 # x·{03} = x·{02} + x
    inverse = [0] + [power[-log[a] % 255] for a in range(1, 256)]   # {00} maps to {00}
    sbox = [0] * 256
    for a in range(256):
        b = inverse[a]
        # b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^ b_(i+6) ^ b_(i+7) ^ c_i with c = {63}: b xor its
        # rotations left by 1, 2, 3 and 4 bits (the bits above 8 folded back down), xor {63}.
        rot = b ^ (b << 1) ^ (b << 2) ^ (b << 3) ^ (b << 4)
        sbox[a] = (rot ^ (rot >> 8) ^ 0x63) & 0xFF
    inv_sbox = [0] * 256
    for a, s in enumerate(sbox):
        inv_sbox[s] = a
    return sbox, inv_sbox


_SBOX, _INV_SBOX = _make_sbox()


def _column_tables(box: list[int], coefficients: tuple[int, int, int, int]) -> list[list[int]]:
    """T[j][x]: the column that byte x in row j contributes after box and (Inv)MixColumns.

    T[0][x] is (c0·s, c1·s, c2·s, c3·s) as a big-endian word, s = box[x]; T[j] is T[0]
    rotated right by 8j bits (FIPS 197 §5.1.3 matrix columns)."""
    t0 = []
    for x in range(256):
        s = box[x]
        c0, c1, c2, c3 = (_gmul(c, s) for c in coefficients)
        t0.append(c0 << 24 | c1 << 16 | c2 << 8 | c3)
    tables = [t0]
    for _ in range(3):
        tables.append([(w >> 8 | w << 24) & 0xFFFFFFFF for w in tables[-1]])
    return tables


_TE = _column_tables(_SBOX, (2, 1, 1, 3))            # MixColumns column {02}{01}{01}{03}
_TD = _column_tables(_INV_SBOX, (14, 9, 13, 11))     # InvMixColumns column {0e}{09}{0d}{0b}


def _expand_key(key: bytes) -> list[int]:
    """The key schedule w[0 .. 4(Nr+1)-1] as 32-bit words. FIPS 197 §5.2 (KeyExpansion)."""
    nk = len(key) // 4
    words = [int.from_bytes(key[4 * i:4 * i + 4], "big") for i in range(nk)]
    rcon = 1
    for i in range(nk, 4 * (_ROUNDS[len(key)] + 1)):
        temp = words[i - 1]
        if i % nk == 0:
            temp = (temp << 8 | temp >> 24) & 0xFFFFFFFF          # RotWord
            temp = _sub_word(temp) ^ rcon << 24                   # SubWord, Rcon[i/Nk]
            rcon = _xtime(rcon)
        elif nk > 6 and i % nk == 4:
            temp = _sub_word(temp)
        words.append(words[i - nk] ^ temp)
    return words


def _sub_word(w: int) -> int:
    return (_SBOX[w >> 24] << 24 | _SBOX[w >> 16 & 255] << 16 | _SBOX[w >> 8 & 255] << 8
            | _SBOX[w & 255])


def _inverse_schedule(words: list[int], rounds: int) -> list[int]:
    """Round keys for the equivalent inverse cipher, in decryption order. FIPS 197 §5.3.5:
    InvMixColumns applied to the keys of rounds 1 .. Nr-1 (TD[j][SBOX[b]] undoes the S-box)."""
    out = []
    for r in range(rounds, -1, -1):
        for w in words[4 * r:4 * r + 4]:
            if 0 < r < rounds:
                w = (_TD[0][_SBOX[w >> 24]] ^ _TD[1][_SBOX[w >> 16 & 255]]
                     ^ _TD[2][_SBOX[w >> 8 & 255]] ^ _TD[3][_SBOX[w & 255]])
            out.append(w)
    return out


class AES:
    """The AES block cipher with one key. FIPS 197 §5.1 (Cipher) and §5.3.5."""

    __slots__ = ("rounds", "_enc", "_dec")

    def __init__(self, key: bytes):
        if not isinstance(key, (bytes, bytearray)):
            raise TypeError("AES key must be bytes")
        if len(key) not in _ROUNDS:
            raise InvalidValue("AES key must be 16, 24 or 32 bytes")
        self.rounds = _ROUNDS[len(key)]
        self._enc = _expand_key(bytes(key))
        self._dec = _inverse_schedule(self._enc, self.rounds)

    def encrypt_block(self, block: bytes) -> bytes:
        """One 16-byte block through Cipher(), FIPS 197 §5.1."""
        return _crypt(block, self._enc, self.rounds, _TE, _SBOX, 1)

    def decrypt_block(self, block: bytes) -> bytes:
        """One 16-byte block through EqInvCipher(), FIPS 197 §5.3.5."""
        return _crypt(block, self._dec, self.rounds, _TD, _INV_SBOX, 3)


def _crypt(block: bytes, rk: list[int], rounds: int, tables, box, shift: int) -> bytes:
    """The rounds, one column word per state column. ``shift`` is 1 for ShiftRows (row j
    comes from column c + j) and 3 for InvShiftRows (from column c - j)."""
    if len(block) != BLOCK_SIZE:
        raise InvalidValue("an AES block is 16 bytes")
    t0, t1, t2, t3 = tables
    s = [int.from_bytes(block[i:i + 4], "big") ^ rk[i // 4] for i in (0, 4, 8, 12)]
    k = 4
    for _ in range(rounds - 1):                       # SubBytes, ShiftRows, MixColumns, AddRoundKey
        s = [t0[s[c] >> 24] ^ t1[s[(c + shift) & 3] >> 16 & 255]
             ^ t2[s[(c + 2 * shift) & 3] >> 8 & 255] ^ t3[s[(c + 3 * shift) & 3] & 255] ^ rk[k + c]
             for c in range(4)]
        k += 4
    out = bytearray()                                 # final round: no MixColumns
    for c in range(4):
        word = (box[s[c] >> 24] << 24 | box[s[(c + shift) & 3] >> 16 & 255] << 16
                | box[s[(c + 2 * shift) & 3] >> 8 & 255] << 8 | box[s[(c + 3 * shift) & 3] & 255])
        out += (word ^ rk[k + c]).to_bytes(4, "big")
    return bytes(out)


def pkcs7_pad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Append n bytes of value n, 1 <= n <= block_size. RFC 5652 §6.3 (RFC 8018 §6.1.1 step 4)."""
    n = block_size - len(data) % block_size
    return bytes(data) + bytes([n]) * n


def pkcs7_unpad(data: bytes, block_size: int = BLOCK_SIZE) -> bytes:
    """Remove PKCS#7 padding, or raise the one decryption error whatever is wrong."""
    if not data or len(data) % block_size:
        raise InvalidValue(_DECRYPTION_FAILED)
    n = data[-1]
    # Every byte of the last block is inspected, whatever n is, and the verdict is one flag.
    bad = int(n == 0 or n > block_size)
    for i in range(1, block_size + 1):
        bad |= (data[-i] ^ n) * (i <= n)
    if bad:
        raise InvalidValue(_DECRYPTION_FAILED)
    return bytes(data[:-n])


def _check_iv(iv: bytes) -> None:
    if not isinstance(iv, (bytes, bytearray)):
        raise TypeError("the IV must be bytes")
    if len(iv) != BLOCK_SIZE:
        raise InvalidValue("the CBC IV must be 16 bytes")


def cbc_encrypt(key: bytes, iv: bytes, plaintext: bytes, *, padding: bool = True) -> bytes:
    """CBC encryption, SP 800-38A §6.2: C_j = CIPH_K(P_j xor C_(j-1)), C_0 = IV.

    With ``padding`` (the default, as AES-CBC-Pad in RFC 8018 Appendix B.2.5) the plaintext is
    PKCS#7-padded first; without, it must be a whole number of blocks."""
    cipher = AES(key)
    _check_iv(iv)
    data = pkcs7_pad(plaintext) if padding else bytes(plaintext)
    if len(data) % BLOCK_SIZE:
        raise InvalidValue("CBC without padding needs a multiple of 16 bytes")
    previous, out = int.from_bytes(iv, "big"), bytearray()
    for i in range(0, len(data), BLOCK_SIZE):
        block = int.from_bytes(data[i:i + BLOCK_SIZE], "big") ^ previous
        encrypted = cipher.encrypt_block(block.to_bytes(BLOCK_SIZE, "big"))
        out += encrypted
        previous = int.from_bytes(encrypted, "big")
    return bytes(out)


def cbc_decrypt(key: bytes, iv: bytes, ciphertext: bytes, *, padding: bool = True) -> bytes:
    """CBC decryption, SP 800-38A §6.2: P_j = CIPH^-1_K(C_j) xor C_(j-1), C_0 = IV.

    With ``padding`` every failure - a length that is not a positive multiple of 16 or bad
    padding - raises the same ``InvalidValue("decryption failed: ...")``: with a passphrase,
    a wrong passphrase and corrupt data look alike, and no caller should tell them apart."""
    cipher = AES(key)
    _check_iv(iv)
    if len(ciphertext) % BLOCK_SIZE or (padding and not ciphertext):
        raise InvalidValue(_DECRYPTION_FAILED if padding
                           else "CBC without padding needs a multiple of 16 bytes")
    previous, out = int.from_bytes(iv, "big"), bytearray()
    for i in range(0, len(ciphertext), BLOCK_SIZE):
        block = bytes(ciphertext[i:i + BLOCK_SIZE])
        decrypted = int.from_bytes(cipher.decrypt_block(block), "big") ^ previous
        out += decrypted.to_bytes(BLOCK_SIZE, "big")
        previous = int.from_bytes(block, "big")
    return pkcs7_unpad(out) if padding else bytes(out)
