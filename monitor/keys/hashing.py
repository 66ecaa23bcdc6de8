"""Key secrets: generation, salted scrypt hashes and constant-time checks."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_PREFIX = "wsp"
# Why: scrypt with n=2**14 costs ~30-60 ms and 16 MiB per guess, so a stolen hash table
# is slow to brute-force, while the verified-key cache keeps request latency low.
_N, _R, _P = 2**14, 8, 1
_DKLEN = 32
# wsp_<12 hex lookup prefix>_<43 url-safe chars>; the log redactor masks this shape.
KEY_PATTERN = re.compile(r"^wsp_([0-9a-f]{12})_([A-Za-z0-9_\-]{43})$")


def new_plaintext() -> tuple[str, str]:
    """Return (lookup prefix, full plaintext key)."""
    prefix = secrets.token_hex(6)
    return prefix, f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"


def parse(plaintext: str) -> str | None:
    """Return the lookup prefix of a well-formed key, or None."""
    match = KEY_PATTERN.match(plaintext)
    return match.group(1) if match else None


def hash_secret(plaintext: str, salt: bytes | None = None) -> str:
    """Hash a key as `scrypt$n$r$p$salt$digest` with a fresh per-key salt."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(
        plaintext.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=_DKLEN, maxmem=64 * 1024 * 1024
    )
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def check_secret(plaintext: str, stored: str) -> bool:
    """Tell whether `plaintext` matches the stored hash (constant-time compare)."""
    try:
        scheme, n, r, p, salt_hex, digest_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        digest = hashlib.scrypt(
            plaintext.encode(),
            salt=bytes.fromhex(salt_hex),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(digest_hex) // 2,
            maxmem=64 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)


def fingerprint(plaintext: str) -> str:
    """Return a fast digest of a key for the in-memory verified-key cache."""
    return hashlib.sha256(plaintext.encode()).hexdigest()
