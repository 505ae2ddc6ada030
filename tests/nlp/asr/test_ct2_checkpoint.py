"""The CTranslate2 Whisper weights, read by our own reader and mapped onto openai-whisper's state_dict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nlp.asr.ct2_checkpoint import (CheckpointError, cached_checkpoint, read_model_bin, whisper_state_dict)
from nlp.asr.weights import resolve_model

torch = pytest.importorskip("torch", reason="the openai-whisper backend is not installed (make install-dev)")
whisper_model = pytest.importorskip("whisper.model")


@pytest.fixture(scope="module")
def tiny_en(model_cache: Path) -> Path:
    return resolve_model("tiny.en", model_cache)


def test_reader_parses_the_tiny_en_container(tiny_en: Path) -> None:
    model = read_model_bin(tiny_en / "model.bin")
    assert model.spec == "WhisperSpec"
    assert model.get("decoder/embeddings/weight").shape == (51864, 384)
    assert model.get("decoder/embeddings/weight").dtype == np.float16
    assert model.get("encoder/conv1/weight").shape == (384, 80, 3)
    assert int(model.get("encoder/num_heads")) == 6
    # The output projection is stored once, as an alias of the token embedding.
    assert model.aliases == {"decoder/projection/weight": "decoder/embeddings/weight"}


@pytest.mark.parametrize("name", ["tiny.en", "base"])
def test_state_dict_has_exactly_whisper_keys_and_shapes(name: str, model_cache: Path) -> None:
    dims, state = whisper_state_dict(read_model_bin(resolve_model(name, model_cache) / "model.bin"))
    expected = whisper_model.Whisper(whisper_model.ModelDimensions(**dims)).state_dict()
    assert set(state) == set(expected)
    assert {key: tuple(value.shape) for key, value in state.items()} == \
           {key: tuple(value.shape) for key, value in expected.items()}


def test_dimensions_come_from_shapes_and_stored_head_counts(model_cache: Path) -> None:
    dims, _ = whisper_state_dict(read_model_bin(resolve_model("base", model_cache) / "model.bin"))
    assert dims == {"n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8, "n_audio_layer": 6,
                    "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6}


def test_fused_qkv_is_split_back_in_order(tiny_en: Path) -> None:
    model = read_model_bin(tiny_en / "model.bin")
    _, state = whisper_state_dict(model)
    fused = model.get("encoder/layer_2/self_attention/linear_0/weight")
    split = np.concatenate([state[f"encoder.blocks.2.attn.{part}.weight"] for part in ("query", "key", "value")])
    assert np.array_equal(split, fused)
    kv = model.get("decoder/layer_1/attention/linear_1/weight")
    assert np.array_equal(np.concatenate([state["decoder.blocks.1.cross_attn.key.weight"],
                                          state["decoder.blocks.1.cross_attn.value.weight"]]), kv)


@pytest.mark.parametrize("quantization", ["int8", "int16", "int8_float16", "bfloat16"])
def test_quantized_and_bfloat16_weights_are_restored_to_float(quantization: str, tiny_en: Path,
                                                             tmp_path: Path) -> None:
    """CTranslate2's own spec writer quantizes the model; the reader must dequantize it closely."""
    from ctranslate2.specs import model_spec, whisper_spec

    original = read_model_bin(tiny_en / "model.bin")
    spec = whisper_spec.WhisperSpec(4, 6, 4, 6)
    for name in [*original.variables, *original.aliases]:
        if original.get(name).ndim:
            scope, attr = model_spec._parent_scope(name)
            setattr(model_spec.index_spec(spec, scope), attr, np.array(original.get(name)))
    spec.register_vocabulary((tiny_en / "vocabulary.txt").read_text(encoding="utf-8").splitlines())
    spec.validate()
    spec.optimize(quantization=quantization)
    spec._serialize(str(tmp_path / "model.bin"))

    _, expected = whisper_state_dict(original)
    _, restored = whisper_state_dict(read_model_bin(tmp_path / "model.bin"))
    for key, value in expected.items():
        reference = value.astype(np.float32)
        # int8 rounds to 1/254 of a row's range; a 1% bound leaves room and still catches a wrong scale.
        assert np.abs(restored[key].astype(np.float32) - reference).max() <= 0.01 * np.abs(reference).max(), key


def test_a_file_that_is_not_a_ctranslate2_model_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.bin").write_bytes(b"PK\x03\x04 not a model")
    with pytest.raises(CheckpointError):
        read_model_bin(tmp_path / "model.bin")


def test_conversion_is_cached_and_done_once(tiny_en: Path, tmp_path: Path) -> None:
    first = cached_checkpoint(tiny_en, tmp_path)
    mtime = first.stat().st_mtime_ns
    assert cached_checkpoint(tiny_en, tmp_path) == first
    assert first.stat().st_mtime_ns == mtime
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no temporary files left behind
    checkpoint = torch.load(first, map_location="cpu", weights_only=True)
    assert checkpoint["dims"]["n_vocab"] == 51864
    assert set(checkpoint["model_state_dict"]) == set(
        whisper_model.Whisper(whisper_model.ModelDimensions(**checkpoint["dims"])).state_dict())


def test_a_different_model_never_reuses_another_models_checkpoint(tiny_en: Path, model_cache: Path,
                                                                  tmp_path: Path) -> None:
    tiny = cached_checkpoint(tiny_en, tmp_path)
    base = cached_checkpoint(resolve_model("base", model_cache), tmp_path)
    assert tiny != base
    assert torch.load(base, map_location="cpu", weights_only=True)["dims"]["n_vocab"] == 51865
