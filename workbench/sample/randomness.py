"""Named, independent random streams derived from one seed.

Each part of the generator (arrivals, agents, surveys, ...) draws from its own
stream, so changing how one part uses randomness leaves the others' draws,
and hence their output files, unchanged.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    """A numpy Generator for the part ``name`` of a run seeded with ``seed``.

    ``zlib.crc32`` (not ``hash``) keys the stream, because Python salts
    ``hash`` of strings per process and the output must be reproducible.

    >>> float(stream(7, "arrivals").random()) == float(stream(7, "arrivals").random())
    True
    >>> float(stream(7, "arrivals").random()) == float(stream(7, "agents").random())
    False
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(name.encode("utf-8"))]))
