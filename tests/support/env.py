"""The ENCORE_* settings the whole suite runs with (tests/conftest.py puts them in every test's environment).

argon2id at OWASP's parameters costs ~26 ms of CPU a hash or a check, and most tests sign someone up and in:
every Settings the suite builds (its fixtures, a module's own, the `encore serve` nodes of `cluster_env`) reads
argon2id's smallest cost from here, which Settings allow only with the tests' switch.
tests/accounts/test_password_params.py builds with OWASP's parameters and checks them.
"""

SUITE_ENV = {
    "ENCORE_PASSWORD_HASH_TIME_COST": "1",
    "ENCORE_PASSWORD_HASH_MEMORY_KIB": "8",
    "ENCORE_PASSWORD_HASH_BELOW_FLOOR_FOR_TESTS": "true",
}
