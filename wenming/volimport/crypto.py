"""Encrypting many values at once: ``orgs.personal.encrypt_many`` (v2 tokens, AES-256-GCM, one C
call per value; docs/volimport.md, *Fast path*).

Until v2 this module built Fernet tokens by hand (CBC chained block position by block position
over all values, ~4–8 µs a value); ``personal.decrypt`` still reads those, and every Fernet token
stored before (see ``orgs/personal.py``). The volunteer import and the province demo encrypt
through here.
"""

from __future__ import annotations

from wenming.orgs.personal import encrypt_many as _encrypt_many


def encrypt_many(values: list[str]) -> list[str]:
    """Tokens for ``values`` (empty values stay empty), as ``personal.encrypt`` makes them."""
    return _encrypt_many(values)
