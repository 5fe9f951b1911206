"""Speech analytics: transcription, redaction, speech metrics and compliance checks.

Submodules stay importable without torch or whisperx; the engines import them
inside the functions that load a model.
"""
