"""Administrators of the admin pages (issue 13): names, passwords, and how a password is kept.

Shared by ``x509core admin add|list|remove`` and the service's login page, so that both hold
an account to the same rules and record the same audit rows.

How a password is kept. Only its scrypt hash (RFC 7914, the standard library's
:func:`hashlib.scrypt`, which is OpenSSL's), with a random 16-octet salt per account
(:func:`secrets.token_bytes`) and the parameters OWASP's Password Storage Cheat Sheet gives as
the minimum for scrypt: N = 2^17 (CPU/memory cost), r = 8 (block size), p = 1
(parallelism), a 32-octet result. One check costs 128 MiB of memory (128 · N · r octets) and
about half a second of one core, on purpose: a stolen inventory costs a guesser that much per
guess per account, and a GPU or ASIC little less. The stored text names its parameters
(``scrypt$17$8$1$<salt>$<hash>``, base64), so that stronger ones can be used later without
invalidating the hashes already stored. Verification recomputes the hash with the stored
parameters and compares in constant time (:func:`hmac.compare_digest`).

A login for a name that has no account checks the password against a fixed dummy hash all
the same (:func:`check_password` with ``None``), so that the answer's timing does not tell
which names exist. Rules (NIST SP 800-63B §5.1.1.2): at least :data:`MIN_PASSWORD` characters,
at most :data:`MAX_PASSWORD` octets of UTF-8, any characters except control characters (no
composition rules, no forced rotation); and not one of the guessable kinds that clause names
(:func:`guessable`): repetitive or sequential text (``aaaaaaaaaaaa``, ``passwordpassword``,
``123456789012``, ``qwertyuiopas``), context-specific words (the account's name, the CA's
names, ``x509core``), or one of the most common words of breached-password lists and of this
field with digits and symbols around it (``Password2026!``, ``Radiology123``). x509core does
not carry a list of breached passwords: a site whose policy asks for that check makes it
before it hands the password over.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from x509core.ca.inventory import Inventory
from x509core.ca.inventory.admins import AdminAccount
from x509core.ca.inventory.records import Actor
from x509core.errors import InvalidValue

__all__ = ["SCRYPT_LOG2_N", "SCRYPT_R", "SCRYPT_P", "SALT_BYTES", "MIN_PASSWORD",
           "MAX_PASSWORD", "check_name", "check_new_password", "guessable", "hash_password",
           "check_password", "add_admin", "remove_admin"]

SCRYPT_LOG2_N = 17            # N = 131072
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
_MAX_MEMORY = 256 * 1024 * 1024          # OpenSSL's default limit (32 MiB) is below N=2^17, r=8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_B64 = re.compile(r"[A-Za-z0-9+/=]+")


def check_name(name: str) -> str:
    """An admin's name: 1 to 64 letters, digits and ``. _ @ -``, starting with a letter or a
    digit (it is shown in the audit trail and on every page)."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidValue(f"an admin name is 1 to 64 letters, digits and . _ @ - (starting "
                           f"with a letter or digit), not {name!r}")
    return name


def check_new_password(password: bytes, context=()) -> bytes:
    """A new password within the rules of the module docstring; ``context``: words it must not
    contain (the account's name, the CA's names)."""
    try:
        text = password.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidValue("the password must be UTF-8 text") from None
    if _CONTROLS.search(text):
        raise InvalidValue("the password must not contain control characters")
    if len(text) < MIN_PASSWORD:
        raise InvalidValue(f"the password must have at least {MIN_PASSWORD} characters "
                           "(NIST SP 800-63B §5.1.1.2)")
    if len(password) > MAX_PASSWORD:
        raise InvalidValue(f"the password is limited to {MAX_PASSWORD} octets")
    problem = guessable(text, ("x509core", *context))
    if problem is not None:
        raise InvalidValue(f"the password {problem}: choose another (NIST SP 800-63B §5.1.1.2; "
                           "a few unrelated words make a good one)")
    return password


# The most frequent words under the digits and symbols of breached passwords (the top of the
# public lists: SecLists, the zxcvbn lists), and those of this field that a site's staff reach
# for. Matched against the password with its digits, symbols and spaces taken away.
_COMMON_WORDS = frozenset("""
    password passwort passw0rd qwerty qwertz azerty letmein welcome admin administrator root
    changeme default secret iloveyou trustno monkey dragon master shadow sunshine princess
    football baseball soccer superman batman starwars whatever freedom summer winter spring
    autumn hello login access test guest user
    hospital clinic klinik radiology radiologie pacs dicom modality imaging xray scanner
    doctor nurse patient medical health server workstation certificate""".split())
_SEQUENCES = ("abcdefghijklmnopqrstuvwxyz", "0123456789", "qwertyuiopasdfghjklzxcvbnm",
              "qwertzuiopasdfghjklyxcvbnm", "azertyuiopqsdfghjklmwxcvbn",
              "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")


def guessable(text: str, context=()) -> str | None:
    """What makes ``text`` a guessable password (module docstring), or None."""
    folded = "".join(text.casefold().split())
    if len(set(folded)) <= 3:
        return "is made of three different characters or fewer"
    if any(folded == folded[:size] * (len(folded) // size)
           for size in range(1, len(folded) // 2 + 1) if len(folded) % size == 0):
        return "repeats a shorter text"
    if any(folded in sequence * 3 or folded in sequence[::-1] * 3 for sequence in _SEQUENCES):
        return "is a run of a keyboard row, the alphabet or the digits"
    # The letters under digits and symbols around them, "leet" digits read as letters:
    # "P4ssw0rd!2026" -> "password".
    core = "".join(ch for ch in _AROUND.sub("", folded).translate(_LEET) if ch.isalpha())
    for word in context:
        word = "".join(str(word).casefold().split())
        if len(word) >= 3 and (word in folded or word in core):
            return f"contains {word!r}"
    if core and (core in _COMMON_WORDS or any(
            core == word * (len(core) // len(word))
            for word in _COMMON_WORDS if len(core) % len(word) == 0)):
        return "is a common word with digits or symbols around it"
    return None


_AROUND = re.compile(r"^[\W\d_]+|[\W\d_]+$")
_LEET = str.maketrans("4@30$51!7", "aaeossilt")


def _scrypt(password: bytes, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password, salt=salt, n=1 << log2_n, r=r, p=p, dklen=HASH_BYTES,
                          maxmem=_MAX_MEMORY)


def hash_password(password: bytes, *, salt: bytes | None = None) -> str:
    """The stored form: ``scrypt$<log2 N>$<r>$<p>$<salt base64>$<hash base64>``."""
    salt = secrets.token_bytes(SALT_BYTES) if salt is None else salt
    digest = _scrypt(password, salt, SCRYPT_LOG2_N, SCRYPT_R, SCRYPT_P)
    encode = lambda data: base64.b64encode(data).decode("ascii")
    return f"scrypt${SCRYPT_LOG2_N}${SCRYPT_R}${SCRYPT_P}${encode(salt)}${encode(digest)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    parts = stored.split("$")
    if (len(parts) != 6 or parts[0] != "scrypt" or not all(p.isdigit() for p in parts[1:4])
            or not all(_B64.fullmatch(p) for p in parts[4:])):
        raise InvalidValue("not an x509core scrypt password hash")
    log2_n, r, p = (int(x) for x in parts[1:4])
    if not (10 <= log2_n <= 20 and 1 <= r <= 32 and 1 <= p <= 16):
        raise InvalidValue("scrypt parameters out of the range x509core uses")
    return log2_n, r, p, base64.b64decode(parts[4]), base64.b64decode(parts[5])


# A hash of a random password nobody knows: checked for names that have no account.
_DUMMY = hash_password(secrets.token_bytes(32).hex().encode("ascii"), salt=bytes(SALT_BYTES))


def check_password(stored: str | None, password: bytes) -> bool:
    """Whether ``password`` matches ``stored`` (None: no such account; the work is the same)."""
    log2_n, r, p, salt, expected = _parse(stored if stored is not None else _DUMMY)
    if len(password) > MAX_PASSWORD:
        password = password[:MAX_PASSWORD]           # still hashed: the same work, and refused
        stored = None
    actual = _scrypt(password, salt, log2_n, r, p)
    return hmac.compare_digest(actual, expected) and stored is not None


def add_admin(inventory: Inventory, name: str, password: bytes, *,
              actor: Actor = Actor(), context=()) -> AdminAccount:
    """A new administrator; refused if the name is taken (remove it first). ``context``:
    more words the password must not contain (the CA's names), besides the account's name."""
    check_name(name)
    password_hash = hash_password(check_new_password(password, (name, *context)))
    return inventory.add_admin(name, password_hash, created_by=actor.name,
                               audit=actor.event("admin-add", name))


def remove_admin(inventory: Inventory, name: str, *, actor: Actor = Actor()) -> int:
    """Remove an administrator and end their sessions; how many sessions were ended."""
    check_name(name)
    return inventory.remove_admin(name, audit=actor.event("admin-remove", name))
