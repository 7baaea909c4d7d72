"""Password hashing with argon2id, sized for a small server and bounded per process.

Parameters: ``time_cost=2, memory_cost=19 MiB, parallelism=1`` — the OWASP Password Storage Cheat Sheet's
baseline for argon2id. argon2-cffi's defaults (64 MiB, 4 lanes) made 50 parallel logins take a 2-core server
from 224 to 1,099 MiB (issue #25). Hashes made with other parameters still verify and are re-hashed with
these at the next successful login (:func:`needs_rehash`).

At most :data:`HASH_CONCURRENCY` hashes run at once in a process (``PASSWORD_HASH_CONCURRENCY``); a login
that cannot start one within :data:`HASH_WAIT_SECONDS` is answered 503 with ``Retry-After`` instead of
queueing without end, so a burst of logins costs at most that many × 19 MiB and never starves other requests.
"""
from __future__ import annotations

import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.errors import ServiceUnavailable

TIME_COST = 2
MEMORY_COST_KIB = 19 * 1024
PARALLELISM = 1
HASH_CONCURRENCY = 2
HASH_WAIT_SECONDS = 5.0

_hasher = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_COST_KIB, parallelism=PARALLELISM)
#: Verified against when the username is unknown, so timing does not tell which usernames exist.
_DUMMY_HASH = _hasher.hash("motcua-flow-dummy-password")
_slots = threading.BoundedSemaphore(HASH_CONCURRENCY)

MIN_PASSWORD_LENGTH = 10


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2 parameters so test suites can create hundreds of accounts; never in production."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    _DUMMY_HASH = _hasher.hash("motcua-flow-dummy-password")


def set_concurrency(slots: int) -> None:
    """How many hashes this process runs at once (``PASSWORD_HASH_CONCURRENCY``; set at app start)."""
    global _slots
    if slots < 1:
        raise ValueError("PASSWORD_HASH_CONCURRENCY must be at least 1")
    _slots = threading.BoundedSemaphore(slots)


class _Slot:
    """One of the process's hashing slots, or 503 when none frees up in time."""

    def __enter__(self) -> None:
        self.slots = _slots
        if not self.slots.acquire(timeout=HASH_WAIT_SECONDS):
            raise ServiceUnavailable("Máy chủ đang bận xử lý đăng nhập; hãy thử lại sau.", code="login_busy",
                                     detail_en="The server is busy with logins; try again shortly.",
                                     headers={"Retry-After": "2"})

    def __exit__(self, *_exc: object) -> None:
        self.slots.release()


def hash_password(password: str) -> str:
    with _Slot():
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; an unknown account still costs one verification."""
    with _Slot():
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
