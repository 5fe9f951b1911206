"""Settings and fixtures every test shares.

The generated sample call centre and the stores built from it are made once per
session. They are shared, so tests never write into them: a test that writes
copies the store first (:func:`sample_centre.copy_store`).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Pseudonyms need a key; tests use a fixed one so they never create or read the key file in the
# user's config folder. Set at import, so notebooks and CLI runs started as subprocesses inherit it.
os.environ["WORKBENCH_PSEUDONYM_KEY"] = "test-key-0123456789abcdef0123456789abcdef"


@pytest.fixture(scope="session")
def generated_centre(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The common small sample: two days, seed 1, no transcripts (``exports/``, ``truth/``, ...). Read only."""
    from sample_centre import generate_sample

    return generate_sample(tmp_path_factory.mktemp("generated_centre"), days=2, seed=1)


@pytest.fixture(scope="session")
def generated_centre_seed3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two days, seed 3, no transcripts: the sample of the ingest and KPI truth checks. Read only."""
    from sample_centre import generate_sample

    return generate_sample(tmp_path_factory.mktemp("generated_centre_seed3"), days=2, seed=3)


@pytest.fixture(scope="session")
def centre_calls_store(generated_centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`generated_centre`'s ACD calls and surveys ingested into a fresh store. Read only: copy to write."""
    from sample_centre import ingest_sample

    return ingest_sample(generated_centre, tmp_path_factory.mktemp("centre_calls_store") / "warehouse.duckdb",
                         exports=(("acd_calls.csv", "sample_acd"), ("surveys.csv", "sample_surveys")))


@pytest.fixture(scope="session")
def centre_app_store(generated_centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`generated_centre` with calls, surveys, agent states and the staffing run ``sample-run``.

    Built by :func:`sample_centre.build_sample_store`. Read only: copy to write.
    """
    from sample_centre import build_sample_store

    return build_sample_store(tmp_path_factory.mktemp("centre_app_store"), sample=generated_centre)


@pytest.fixture(scope="session")
def centre_dimensions_store(generated_centre: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`generated_centre` loaded through :data:`sample_centre.SAMPLE_EXPORTS_FULL`, as ``make demo`` loads it.

    Calls carry the custom dimensions ``dim_region``, ``dim_brand``, ``dim_member_tier``, ``dim_channel``,
    ``dim_vip``, ``dim_order_value`` and the agent's ``resolved``, ``disposition_code``, ``contact_reason``;
    surveys their ``channel`` and ``survey_type``; agents ``site``, ``hired_on``, ``skill_tags`` and the
    dimensions ``contract`` and ``shift``. The truth is in ``generated_centre / "truth"``
    (``call_dimensions.csv``, ``dimension_effects.csv``, ``resolution_marks.json``). Read only: copy to write.
    """
    from sample_centre import SAMPLE_EXPORTS_FULL, ingest_sample

    return ingest_sample(generated_centre, tmp_path_factory.mktemp("centre_dimensions_store") / "warehouse.duckdb",
                         exports=SAMPLE_EXPORTS_FULL)
