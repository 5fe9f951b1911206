"""Ingestion: vendor exports -> canonical tables, through YAML profiles.

``ingest_files(paths, profile)`` reads each export (CSV with encoding
detection, Parquet, Excel), checks every row with one DuckDB query generated
from the profile, loads the good rows and one ``batches`` row atomically, and
writes the rest to ``data/rejects/``.

An analysis module: it imports the store, :mod:`workbench.schemas`,
:mod:`workbench.pseudonyms` and the layers below them, never another analysis
module. A new vendor export is a profile, ``parameters/ingest/<name>.yaml``
(format in ``parameters/ingest/README.md``), validated by
:class:`~workbench.ingest.profiles.IngestProfile` in :mod:`.profiles`, where a
new profile option goes.
"""

from workbench.ingest.load import batch_id_for, file_sha256, ingest_file, ingest_files
from workbench.ingest.profiles import IngestProfile, load_profile
from workbench.ingest.reading import RawExport, read_export
from workbench.ingest.validate import to_canonical

__all__ = [
    "IngestProfile",
    "RawExport",
    "batch_id_for",
    "file_sha256",
    "ingest_file",
    "ingest_files",
    "load_profile",
    "read_export",
    "to_canonical",
]
