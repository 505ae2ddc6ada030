"""Read a CTranslate2 Whisper `model.bin` and turn it into an openai-whisper checkpoint.

The CTranslate2 file (binary version 6, as written by
`ctranslate2/specs/model_spec.py:_serialize`) is little-endian:

    u32 version | str spec_name | u32 revision | u32 n_variables
    n_variables x ( str name | u8 rank | u32 dims[rank] | u8 dtype | u32 n_bytes | bytes )
    u32 n_aliases
    n_aliases x ( str alias | str target )

where `str` is a u16 length (including a trailing NUL) then the UTF-8 bytes.
dtype ids follow `_dtype_to_type_id`: float32, int8, int16, int32, float16, bfloat16.

Reading needs only numpy; writing the checkpoint needs torch, imported lazily.
"""

from __future__ import annotations

import os
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nlp.asr.weights import sha256_file
from nlp.errors import SetupError

SUPPORTED_BINARY_VERSION = 6
# Bump when the mapping changes, so cached checkpoints from an older mapping are not reused.
CONVERTER_VERSION = 1

_BFLOAT16 = 5  # numpy has no bfloat16: read as uint16, widened to float32
_NUMPY_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16, 5: np.uint16}


class CheckpointError(SetupError, ValueError):
    """The file is not a CTranslate2 Whisper model this reader understands."""


@dataclass(frozen=True)
class Ct2Model:
    """The contents of a `model.bin`: named arrays (aliases resolved) as stored on disk."""

    spec: str
    revision: int
    variables: dict[str, np.ndarray]
    aliases: dict[str, str]

    def get(self, name: str) -> np.ndarray:
        return self.variables[self.aliases.get(name, name)]


class _Cursor:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def string(self) -> str:
        (length,) = self.unpack("H")
        raw = self.data[self.pos:self.pos + length]
        self.pos += length
        return raw.rstrip(b"\0").decode("utf-8")

    def take(self, n_bytes: int) -> memoryview:
        if self.pos + n_bytes > len(self.data):
            raise CheckpointError("model.bin is truncated")
        view = memoryview(self.data)[self.pos:self.pos + n_bytes]
        self.pos += n_bytes
        return view


def read_model_bin(path: Path) -> Ct2Model:
    """Parse a CTranslate2 `model.bin` into arrays of their stored dtype (bfloat16 as raw uint16)."""
    cursor = _Cursor(path.read_bytes())
    try:
        (version,) = cursor.unpack("I")
        if version != SUPPORTED_BINARY_VERSION:
            raise CheckpointError(f"CTranslate2 binary version {version} is not supported "
                                  f"(expected {SUPPORTED_BINARY_VERSION})")
        spec = cursor.string()
        (revision,) = cursor.unpack("I")
        (count,) = cursor.unpack("I")
        variables: dict[str, np.ndarray] = {}
        for _ in range(count):
            name = cursor.string()
            (rank,) = cursor.unpack("B")
            shape = cursor.unpack(f"{rank}I")
            dtype_id, n_bytes = cursor.unpack("BI")
            if dtype_id not in _NUMPY_DTYPES:
                raise CheckpointError(f"{name}: unknown dtype id {dtype_id}")
            array = np.frombuffer(cursor.take(n_bytes), dtype=_NUMPY_DTYPES[dtype_id]).reshape(shape)
            if dtype_id == _BFLOAT16:
                array = (array.astype(np.uint32) << 16).view(np.float32)
            variables[name] = array
        (n_aliases,) = cursor.unpack("I")
        aliases = dict((cursor.string(), cursor.string()) for _ in range(n_aliases))
    except struct.error as exc:
        raise CheckpointError(f"model.bin is truncated or malformed ({exc})") from exc
    if spec != "WhisperSpec":
        raise CheckpointError(f"not a Whisper model: spec is {spec!r}")
    return Ct2Model(spec=spec, revision=revision, variables=variables, aliases=aliases)


def _float(model: Ct2Model, name: str) -> np.ndarray:
    """A weight as a float array; int8/int16 weights are dequantized with their `weight_scale`."""
    array = model.get(name)
    if array.dtype in (np.float16, np.float32):
        return array
    if array.dtype in (np.int8, np.int16):
        scale_name = name.rsplit("/", 1)[0] + "/weight_scale"
        if scale_name not in model.variables and scale_name not in model.aliases:
            raise CheckpointError(f"{name} is quantized but {scale_name} is missing")
        scale = model.get(scale_name).astype(np.float32)
        # CTranslate2 stores q = round(w * scale), one scale per output row (or one for the tensor).
        return array.astype(np.float32) / (scale.reshape(-1, *([1] * (array.ndim - 1))) if scale.ndim else scale)
    raise CheckpointError(f"{name}: cannot use dtype {array.dtype} as a weight")


def _scalar(model: Ct2Model, name: str) -> int:
    return int(model.get(name).reshape(()))


def _count_layers(model: Ct2Model, prefix: str) -> int:
    count = 0
    while f"{prefix}/layer_{count}/ffn/linear_0/weight" in model.variables:
        count += 1
    return count


def model_dimensions(model: Ct2Model) -> dict[str, int]:
    """openai-whisper's `ModelDimensions` fields, from the tensor shapes and stored head counts."""
    conv1 = model.get("encoder/conv1/weight")
    audio_pos = model.get("encoder/position_encodings/encodings")
    embeddings = model.get("decoder/embeddings/weight")
    text_pos = model.get("decoder/position_encodings/encodings")
    return {
        "n_mels": int(conv1.shape[1]),
        "n_audio_ctx": int(audio_pos.shape[0]),
        "n_audio_state": int(audio_pos.shape[1]),
        "n_audio_head": _scalar(model, "encoder/num_heads"),
        "n_audio_layer": _count_layers(model, "encoder"),
        "n_vocab": int(embeddings.shape[0]),
        "n_text_ctx": int(text_pos.shape[0]),
        "n_text_state": int(text_pos.shape[1]),
        "n_text_head": _scalar(model, "decoder/num_heads"),
        "n_text_layer": _count_layers(model, "decoder"),
    }


def _split_rows(array: np.ndarray, parts: int) -> list[np.ndarray]:
    if array.shape[0] % parts:
        raise CheckpointError(f"cannot split {array.shape[0]} rows into {parts} equal parts")
    return np.split(array, parts, axis=0)


def _attention(model: Ct2Model, src: str, dst: str, fused_parts: int) -> dict[str, np.ndarray]:
    """Self-attention fuses Q,K,V in linear_0 (output in linear_1); cross-attention has Q in
    linear_0, fused K,V in linear_1 and output in linear_2. Whisper's key projection has no
    bias: CTranslate2 stores zeros there, which must stay zeros."""
    out: dict[str, np.ndarray] = {}
    fused_index = 0 if fused_parts == 3 else 1
    names = ["query", "key", "value"][3 - fused_parts:]
    weights = _split_rows(_float(model, f"{src}/linear_{fused_index}/weight"), fused_parts)
    biases = _split_rows(model.get(f"{src}/linear_{fused_index}/bias"), fused_parts)
    if fused_parts == 2:
        out[f"{dst}.query.weight"] = _float(model, f"{src}/linear_0/weight")
        out[f"{dst}.query.bias"] = model.get(f"{src}/linear_0/bias")
    for name, weight, bias in zip(names, weights, biases):
        out[f"{dst}.{name}.weight"] = weight
        if name == "key":
            if np.any(bias):
                raise CheckpointError(f"{src}: the key projection has a non-zero bias, which Whisper lacks")
            continue
        out[f"{dst}.{name}.bias"] = bias
    out_index = 1 if fused_parts == 3 else 2
    out[f"{dst}.out.weight"] = _float(model, f"{src}/linear_{out_index}/weight")
    out[f"{dst}.out.bias"] = model.get(f"{src}/linear_{out_index}/bias")
    out[f"{dst}_ln.weight"] = model.get(f"{src}/layer_norm/gamma")
    out[f"{dst}_ln.bias"] = model.get(f"{src}/layer_norm/beta")
    return out


def _mlp(model: Ct2Model, src: str, dst: str) -> dict[str, np.ndarray]:
    return {
        f"{dst}.mlp.0.weight": _float(model, f"{src}/ffn/linear_0/weight"),
        f"{dst}.mlp.0.bias": model.get(f"{src}/ffn/linear_0/bias"),
        f"{dst}.mlp.2.weight": _float(model, f"{src}/ffn/linear_1/weight"),
        f"{dst}.mlp.2.bias": model.get(f"{src}/ffn/linear_1/bias"),
        f"{dst}.mlp_ln.weight": model.get(f"{src}/ffn/layer_norm/gamma"),
        f"{dst}.mlp_ln.bias": model.get(f"{src}/ffn/layer_norm/beta"),
    }


def whisper_state_dict(model: Ct2Model) -> tuple[dict[str, int], dict[str, np.ndarray]]:
    """Map CTranslate2 variable names onto openai-whisper's `Whisper.state_dict()` keys."""
    dims = model_dimensions(model)
    projection = model.aliases.get("decoder/projection/weight")
    if projection != "decoder/embeddings/weight" and not np.array_equal(
            model.get("decoder/projection/weight"), model.get("decoder/embeddings/weight")):
        raise CheckpointError("the output projection is not tied to the token embedding, as Whisper requires")
    if "decoder/projection/bias" in model.variables and np.any(model.get("decoder/projection/bias")):
        raise CheckpointError("the output projection has a bias, which Whisper lacks")
    state: dict[str, np.ndarray] = {}
    for conv in ("conv1", "conv2"):
        state[f"encoder.{conv}.weight"] = _float(model, f"encoder/{conv}/weight")
        state[f"encoder.{conv}.bias"] = model.get(f"encoder/{conv}/bias")
    state["encoder.positional_embedding"] = model.get("encoder/position_encodings/encodings")
    for i in range(dims["n_audio_layer"]):
        src, dst = f"encoder/layer_{i}", f"encoder.blocks.{i}"
        state |= _attention(model, f"{src}/self_attention", f"{dst}.attn", fused_parts=3)
        state |= _mlp(model, src, dst)
    state["encoder.ln_post.weight"] = model.get("encoder/layer_norm/gamma")
    state["encoder.ln_post.bias"] = model.get("encoder/layer_norm/beta")
    state["decoder.token_embedding.weight"] = _float(model, "decoder/embeddings/weight")
    state["decoder.positional_embedding"] = model.get("decoder/position_encodings/encodings")
    for i in range(dims["n_text_layer"]):
        src, dst = f"decoder/layer_{i}", f"decoder.blocks.{i}"
        state |= _attention(model, f"{src}/self_attention", f"{dst}.attn", fused_parts=3)
        state |= _attention(model, f"{src}/attention", f"{dst}.cross_attn", fused_parts=2)
        state |= _mlp(model, src, dst)
    state["decoder.ln.weight"] = model.get("decoder/layer_norm/gamma")
    state["decoder.ln.bias"] = model.get("decoder/layer_norm/beta")
    return dims, state


def convert(model_dir: Path, out_path: Path) -> Path:
    """Write `model_dir/model.bin` as an openai-whisper checkpoint (`{"dims", "model_state_dict"}`).

    float16 weights stay float16 (lossless, half the size); anything else is
    stored as float32. The file appears atomically: written to a temporary
    sibling, then renamed.
    """
    import torch

    dims, arrays = whisper_state_dict(read_model_bin(model_dir / "model.bin"))
    state = {name: torch.from_numpy(np.array(array, dtype=array.dtype if array.dtype == np.float16
                                              else np.float32))
             for name, array in arrays.items()}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{out_path.name}-", dir=out_path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            torch.save({"dims": dims, "model_state_dict": state}, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, out_path)
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
    return out_path


def cached_checkpoint(model_dir: Path, cache_dir: Path) -> Path:
    """The converted checkpoint for `model_dir`, converting on first use only.

    The file name carries the sha256 of `model.bin` and the converter version,
    so a different (or re-released) model never picks up a stale conversion.
    """
    digest = sha256_file(model_dir / "model.bin")
    out_path = cache_dir / "openai-whisper" / f"{digest[:32]}-c{CONVERTER_VERSION}.pt"
    if out_path.is_file():
        return out_path
    return convert(model_dir, out_path)

