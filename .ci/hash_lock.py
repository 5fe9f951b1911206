"""Add the published SHA-256 of every file of each pinned release to a lock file.

`make lock` freezes exact versions; this step turns the freeze into a hash-checked
lock (pip then refuses any file whose digest differs, whichever index served it).
The digests come from the package index's JSON API, so nothing is downloaded.

Usage: python .ci/hash_lock.py requirements.lock  (rewrites it in place)
"""
from __future__ import annotations

import json
import re
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INDEX = "https://pypi.org/pypi/{name}/json"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s;\\]+)")


def release_hashes(name: str, version: str) -> list[str]:
    """All sha256 digests the index publishes for one release, sorted."""
    # The per-release JSON address is not served by every mirror; the project page is.
    with urllib.request.urlopen(INDEX.format(name=name), timeout=120) as response:
        project = json.load(response)
    files = project["releases"].get(version, [])
    digests = sorted({item["digests"]["sha256"] for item in files})
    if not digests:
        raise SystemExit(f"{name}=={version}: the index lists no files")
    return digests


def main(path: str) -> None:
    lock = Path(path)
    lines = []
    # A previous run's continuation lines are dropped and rebuilt.
    for line in lock.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("--hash="):
            continue
        lines.append(line.rstrip(" \\"))
    pins = [(index, PIN.match(line)) for index, line in enumerate(lines)]
    pins = [(index, match) for index, match in pins if match]
    with ThreadPoolExecutor(max_workers=16) as pool:
        digests = list(pool.map(lambda item: release_hashes(item[1].group(1), item[1].group(3)), pins))
    for (index, _), hashes in zip(pins, digests):
        lines[index] = lines[index] + " \\\n" + " \\\n".join(f"    --hash=sha256:{h}" for h in hashes)
    lock.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(pins)} pins hashed in {lock}")


if __name__ == "__main__":
    main(sys.argv[1])
