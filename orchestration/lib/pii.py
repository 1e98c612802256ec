"""Contact details leave the raw layer only as salted hashes.

E-mail addresses and phone numbers are needed nowhere past staging; what the facts keep is a
salted SHA-256 of the normalised value, so the same person can still be recognised across
leads (and joined to another system that shares the salt) without anyone reading the address.

The salt is `ONEFUNNEL_PII_SALT` from the environment. Without it, each warehouse gets a random
salt of its own on its first run, kept beside it in `<warehouse>.salt` (readable by its owner
only): hashes stay stable from run to run, and a copy of the published marts alone cannot be
reversed with a dictionary of likely addresses.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from orchestration.lib.settings import ENV_PREFIX

SALT_VARIABLE = ENV_PREFIX + "PII_SALT"

# landing entity → its columns holding contact details, and how each is normalised (SQL over
# the trimmed text) before hashing
PII_COLUMNS: dict[str, dict[str, str]] = {
    "crm/leads": {
        "email": "lower({value})",
        "phone": "nullif(regexp_replace({value}, '[^0-9]', '', 'g'), '')",
    },
}


def salt_path(warehouse: Path) -> Path:
    stem = warehouse.name.removesuffix(warehouse.suffix)
    return warehouse.with_name(stem + ".salt")


def pii_salt(warehouse: Path, environ: dict[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    if environ.get(SALT_VARIABLE):
        return environ[SALT_VARIABLE]
    path = salt_path(warehouse)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def hash_expressions(entity_path: str, columns: list[str]) -> list[str]:
    """`sha256(salt || normalised value) as <column>_hash` for each contact column present;
    the salt is the statement's one `$salt` parameter, never part of the SQL text."""
    expressions = []
    for column, normalise in PII_COLUMNS.get(entity_path, {}).items():
        value = f"nullif(trim(\"{column}\"), '')"
        if column in columns:
            normalised = normalise.format(value=value)
            expressions.append(
                f"case when {normalised} is not null then sha256($salt || {normalised}) end"
                f" as {column}_hash"
            )
        else:
            expressions.append(f"cast(null as varchar) as {column}_hash")
    return expressions
