"""Keyed pseudonyms: stable under one key, different under another, key kept outside the repository."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from workbench.errors import ParameterError
from workbench.pseudonyms import KEY_VARIABLE, current_key, pseudonym

OTHER_KEY = "another-key-fedcba9876543210fedcba9876543210"


def _in_new_process(env: dict[str, str], value: str = "13800138000") -> str:
    code = f"from workbench.pseudonyms import pseudonym; print(pseudonym({value!r}))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_same_number_same_pseudonym_across_processes_and_another_under_another_key(tmp_path):
    env = {**os.environ, "WORKBENCH_PSEUDONYM_KEY_FILE": str(tmp_path / "unused.key")}
    first, second = _in_new_process(env), _in_new_process(env)
    other = _in_new_process({**env, KEY_VARIABLE: OTHER_KEY})
    assert first == second == pseudonym("13800138000")
    assert other != first
    assert first[:5] != other[:5]  # the key's fingerprint tells the two apart
    assert "13800138000" not in first
    assert not (tmp_path / "unused.key").exists()  # a key from the environment needs no file


def test_key_file_is_created_once_with_owner_only_access(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_VARIABLE)
    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    key_file = tmp_path / "config" / "workbench" / "pseudonym.key"
    env = {k: v for k, v in os.environ.items() if k != KEY_VARIABLE}
    first = _in_new_process(env)
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) == 64
    assert _in_new_process(env) == first == pseudonym("13800138000")
    # the file's text used as the key variable gives the same pseudonyms
    assert _in_new_process({**env, KEY_VARIABLE: key_file.read_text()}) == first


def test_a_short_key_is_refused(monkeypatch):
    monkeypatch.setenv(KEY_VARIABLE, "1234")
    with pytest.raises(ParameterError, match=KEY_VARIABLE):
        current_key()


def test_blanks_around_a_value_do_not_change_its_pseudonym():
    assert pseudonym(" 13800138000\t") == pseudonym("13800138000") != pseudonym("13800138001")


@pytest.mark.parametrize("kind", ["folder", "binary", "unwritable parent"])
def test_an_unusable_key_file_is_a_parameter_error_naming_it(tmp_path, monkeypatch, kind):
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    key_file = {"folder": tmp_path, "binary": tmp_path / "bad.key",
                "unwritable parent": tmp_path / "file" / "pseudonym.key"}[kind]
    (tmp_path / "bad.key").write_bytes(b"\xff\xfe\x00 not text")
    (tmp_path / "file").write_text("a file where a folder should be")
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY_FILE", str(key_file))
    with pytest.raises(ParameterError, match="pseudonym key file") as caught:
        current_key()
    assert caught.value.file == str(key_file)
