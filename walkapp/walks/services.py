"""Walk services: join codes, creating and updating walks."""
from __future__ import annotations

import secrets

# No 0/O, 1/I/L or U/V look-alikes: codes are read aloud and typed from paper on cold evenings.
JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
# 29 symbols carry log2(29) ≈ 4.86 bits each: 13 symbols ≈ 63 bits (≥ 60 required).
JOIN_CODE_LENGTH = 13


def new_join_code() -> str:
    """A random, unguessable join code."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    """Codes are case-insensitive and may be typed with spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
