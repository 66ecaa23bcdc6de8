"""Key hashes: the production scrypt cost, and checks that follow the cost a hash records."""

from __future__ import annotations

import pytest

from monitor.keys import hashing
from tests.conftest import PRODUCTION_SCRYPT_N


def test_production_keys_hash_at_n_2_14(monkeypatch: pytest.MonkeyPatch) -> None:
    # The suite hashes cheaply (tests/conftest.py); the shipped constant is what users get.
    monkeypatch.setattr(hashing, "_N", PRODUCTION_SCRYPT_N)
    assert PRODUCTION_SCRYPT_N == 2**14
    _, plaintext = hashing.new_plaintext()
    stored = hashing.hash_secret(plaintext)
    scheme, n, r, p, salt, digest = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(bytes.fromhex(salt)) == 16 and len(bytes.fromhex(digest)) == 32
    assert hashing.check_secret(plaintext, stored)
    assert not hashing.check_secret(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B"), stored)


def test_a_check_uses_the_cost_the_hash_records() -> None:
    # A hash made at another cost (the suite's, or a future stronger one) still verifies.
    _, plaintext = hashing.new_plaintext()
    stored = hashing.hash_secret(plaintext)
    assert stored.split("$")[1] == str(hashing._N)
    assert hashing.check_secret(plaintext, stored)
    for hostile in ("", "scrypt$x$8$1$00$00", "bcrypt$1$2$3$4$5", stored.replace("$", "", 1)):
        assert not hashing.check_secret(plaintext, hostile)
    # The same salt gives the same digest; another salt does not.
    salt = bytes(16)
    assert hashing.hash_secret(plaintext, salt) == hashing.hash_secret(plaintext, salt)
    assert hashing.hash_secret(plaintext, salt) != hashing.hash_secret(plaintext, bytes([1] * 16))
