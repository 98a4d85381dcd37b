"""API keys as the service stores them: only a ``sha256:`` hash, so the configuration never
holds a usable key. The CLI makes keys and the HTTP API checks them; both use these two."""

from __future__ import annotations

import hashlib
import secrets

PREFIX = "sha256:"


def hash_key(key: str) -> str:
    return PREFIX + hashlib.sha256(key.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A fresh key and the hash to configure for it."""
    key = "mb_" + secrets.token_urlsafe(32)
    return key, hash_key(key)
