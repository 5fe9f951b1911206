"""Keyed pseudonyms for personal identifiers such as caller numbers.

A pseudonym is ``k`` + a 4-hex fingerprint of the key + the first 16 hex
digits of HMAC-SHA256(key, value stripped of surrounding blanks). The same
value under the same key always gives the same pseudonym, so repeat callers
still link up across files and runs; without the key a pseudonym cannot be
reversed by hashing every possible phone number, as an unkeyed hash could.

The key is text, taken from (first match wins):

1. ``WORKBENCH_PSEUDONYM_KEY``: the key itself (at least
   :data:`MIN_KEY_CHARACTERS` characters);
2. the key file :func:`workbench.paths.pseudonym_key_file`
   (``WORKBENCH_PSEUDONYM_KEY_FILE``, default
   ``$XDG_CONFIG_HOME/workbench/pseudonym.key``), created on first use with
   64 random hex digits and mode 0600.

The key lives outside the repository and the store: whoever holds the store
alone cannot reverse the pseudonyms. Losing the key means new loads no longer
link to earlier ones; keep a copy with the backups of the key, not of the store.

The key's fingerprint is part of every pseudonym, so a store can tell
pseudonyms made under another key (or by the old unkeyed ``h`` + SHA-256
scheme, :data:`FOREIGN_PATTERN`) from its own, and ingestion refuses to mix them.

The same function exists twice: :func:`pseudonym` in Python and
:func:`pseudonym_sql` in DuckDB SQL (HMAC written out from its definition,
RFC 2104, over DuckDB's native ``sha256``: no Python per row, about 1-2.5 s per
million values on two busy cores, three to four times the unkeyed hash, as HMAC
hashes four blocks where a plain hash of a phone number hashes one); a test
keeps the two in step.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench import paths
from workbench.errors import ParameterError

if TYPE_CHECKING:
    import duckdb

KEY_VARIABLE = "WORKBENCH_PSEUDONYM_KEY"
MIN_KEY_CHARACTERS = 32
HEX_DIGITS = 16
FINGERPRINT_DIGITS = 4
#: Pseudonyms of any key or of the old unkeyed scheme (``h`` + 16 hex digits of plain SHA-256).
ANY_PATTERN = r"^(h[0-9a-f]{16}|k[0-9a-f]{20})$"
_BLOCK = 64  # SHA-256 block size in bytes
# DuckDB variables holding the key pads, so the key never appears in a query's text.
_INNER_VARIABLE = "workbench_pseudonym_inner"
_OUTER_VARIABLE = "workbench_pseudonym_outer"


@dataclass(frozen=True)
class PseudonymKey:
    """A key ready for hashing: the HMAC pads and the fingerprint (never the key in clear)."""

    inner: bytes
    outer: bytes
    fingerprint: str

    @property
    def prefix(self) -> str:
        """``k`` + fingerprint: every pseudonym of this key starts with it."""
        return "k" + self.fingerprint


def _from_text(text: str) -> PseudonymKey:
    raw = text.strip().encode("utf-8")
    if len(raw) > _BLOCK:  # RFC 2104: keys longer than a block are hashed first
        raw = hashlib.sha256(raw).digest()
    padded = raw.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in padded)
    outer = bytes(b ^ 0x5C for b in padded)
    label = hmac.new(text.strip().encode("utf-8"), b"workbench pseudonym key fingerprint", hashlib.sha256)
    return PseudonymKey(inner, outer, label.hexdigest()[:FINGERPRINT_DIGITS])


def _create_key_file(path: Path) -> None:
    """Write a new random key to ``path`` (mode 0600) unless another process got there first."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pseudonym-", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(temporary, path)  # atomic and refuses to replace: concurrent first uses agree on one key
        except FileExistsError:
            pass
    finally:
        os.unlink(temporary)


@functools.lru_cache(maxsize=8)
def _load(from_environment: str | None, key_file: Path) -> PseudonymKey:
    if from_environment is not None:
        if len(from_environment.strip()) < MIN_KEY_CHARACTERS:
            raise ParameterError(
                f"the pseudonym key must have at least {MIN_KEY_CHARACTERS} characters, "
                f"found {len(from_environment.strip())}", field=KEY_VARIABLE)
        return _from_text(from_environment)
    try:
        if not key_file.exists():
            _create_key_file(key_file)
        text = key_file.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:  # a folder, no access, not text: say so, not a traceback
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ParameterError(f"cannot read or create the pseudonym key file: {reason}; point "
                             f"WORKBENCH_PSEUDONYM_KEY_FILE at a readable text file or set {KEY_VARIABLE}",
                             file=key_file) from None
    if len(text) < MIN_KEY_CHARACTERS:
        raise ParameterError(f"the pseudonym key must have at least {MIN_KEY_CHARACTERS} characters, "
                             f"found {len(text)}", file=key_file)
    return _from_text(text)


def current_key() -> PseudonymKey:
    """The key in use: ``WORKBENCH_PSEUDONYM_KEY``, else the key file (created on first use).

    Raises:
        ParameterError: the key is shorter than :data:`MIN_KEY_CHARACTERS` characters.
    """
    return _load(os.environ.get(KEY_VARIABLE) or None, paths.pseudonym_key_file())


def pseudonym(value: str, key: PseudonymKey | None = None) -> str:
    """Keyed pseudonym of ``value`` (surrounding blanks ignored): ``k<fingerprint><16 hex>``.

    Args:
        value: the identifier, e.g. a caller number.
        key: default :func:`current_key`.
    """
    key = key or current_key()
    digest = hashlib.sha256(key.inner + value.strip().encode("utf-8")).digest()
    return key.prefix + hashlib.sha256(key.outer + digest).hexdigest()[:HEX_DIGITS]


def pseudonym_sql(value: str) -> str:
    """DuckDB SQL giving :func:`pseudonym` of the VARCHAR expression ``value`` (already stripped).

    The query reads the key from variables of its connection: call
    :func:`prepare_connection` on that connection first.
    """
    key = current_key()
    inner = f"getvariable('{_INNER_VARIABLE}')"
    outer = f"getvariable('{_OUTER_VARIABLE}')"
    return (f"'{key.prefix}' || left(sha256({outer} || unhex(sha256({inner} || encode({value})))), {HEX_DIGITS})")


def prepare_connection(connection: duckdb.DuckDBPyConnection) -> PseudonymKey:
    """Give ``connection`` the key's pads that :func:`pseudonym_sql` reads; returns the key."""
    key = current_key()
    connection.execute(f"SET VARIABLE {_INNER_VARIABLE} = unhex(?)", [key.inner.hex()])
    connection.execute(f"SET VARIABLE {_OUTER_VARIABLE} = unhex(?)", [key.outer.hex()])
    return key
