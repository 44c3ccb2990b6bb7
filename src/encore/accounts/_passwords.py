"""argon2id password hashing, with the parameters the settings give (OWASP's m=19 MiB, t=2, p=1 by default).

`bootstrap.build` makes one `Passwords` from the settings and puts it in every session's `info` (as the catalogue
cache is); the services hash and verify with `passwords_for(session)`, and a session without one (a bare
sessionmaker) gets OWASP's parameters. A stored hash names its own parameters, so any `Passwords` verifies it;
`needs_rehash` says it was made with other parameters than these (a log-in then rehashes it).
"""

from dataclasses import dataclass
from functools import cached_property

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import Type
from sqlalchemy.orm import Session

SESSION_KEY = "encore.accounts.passwords"


@dataclass(frozen=True)
class HashParams:
    """argon2id's cost: passes over `memory_kib` KiB with `parallelism` lanes (checked by Settings)."""

    time_cost: int = 2
    memory_kib: int = 19 * 1024
    parallelism: int = 1


OWASP = HashParams()


class Passwords:
    def __init__(self, params: HashParams = OWASP) -> None:
        self.params = params
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    @cached_property
    def _dummy_hash(self) -> str:
        """Verified against when the account does not exist, so unknown users cost the same time."""
        return self._hasher.hash("encore-timing-equaliser")

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash or self._dummy_hash, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


_OWASP_PASSWORDS = Passwords(OWASP)


def passwords_for(session: Session) -> Passwords:
    """The hashing the session's container was built with; OWASP's parameters for any other session."""
    found = session.info.get(SESSION_KEY)
    return found if isinstance(found, Passwords) else _OWASP_PASSWORDS


def hash_password(password: str, passwords: Passwords = _OWASP_PASSWORDS) -> str:
    return passwords.hash(password)


def verify_password(stored_hash: str | None, password: str, passwords: Passwords = _OWASP_PASSWORDS) -> bool:
    return passwords.verify(stored_hash, password)
