"""Settings every test shares."""

from __future__ import annotations

import os

# Pseudonyms need a key; tests use a fixed one so they never create or read the key file in the
# user's config folder. Set at import, so notebooks and CLI runs started as subprocesses inherit it.
os.environ["WORKBENCH_PSEUDONYM_KEY"] = "test-key-0123456789abcdef0123456789abcdef"
