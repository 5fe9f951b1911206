"""Speech analytics: transcription, redaction, speech metrics and compliance checks.

Submodules stay importable without torch or whisperx; the engines import them
inside the functions that load a model. :mod:`.batch` transcribes recordings
into the store (``workbench transcribe``), :mod:`.engines` holds the
recognition engines, :mod:`.turns` merges each party's track into turns,
:mod:`.pii` redacts, :mod:`.metrics` and :mod:`.compliance` score a call.

An analysis module: it imports the store and its readers,
:mod:`workbench.glossary`, :mod:`workbench.registries`,
:mod:`workbench.model_files` and the bottom layer, never another analysis
module. A new engine is a module in :mod:`workbench.speech.engines` with one
registration in :data:`workbench.registries.ASR_ENGINES`; a new compliance rule
is a YAML file in ``parameters/compliance/``; a new kind of personal data a
pattern in :mod:`.pii`.
"""
