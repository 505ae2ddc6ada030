"""Each package's declared public surface (`__all__`) is what it exports, as httpx's tests/test_exported_members.py."""

from __future__ import annotations

import importlib
import inspect
import types

import pytest

PACKAGES = ["nlp", "nlp.asr", "nlp.diarize", "nlp.components", "knowledge", "knowledge.notes", "service", "service.api",
            "service.store", "service.jobs", "service.ehr"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_declared_name_is_exported_from_the_package_itself(package: str) -> None:
    module = importlib.import_module(package)
    assert module.__all__, f"{package} declares no public names"
    assert len(set(module.__all__)) == len(module.__all__), f"{package}.__all__ names a name twice"
    for name in module.__all__:
        member = getattr(module, name, None)
        if member is None:
            member = importlib.import_module(f"{package}.{name}")  # a public submodule
        if isinstance(member, types.ModuleType):
            where = member.__name__
        elif inspect.isclass(member) or inspect.isfunction(member):
            where = member.__module__
        else:
            continue  # a constant or a Literal alias: it says nothing of where it was defined
        assert where.startswith(package), f"{package}.{name} comes from {where}, outside the package"


@pytest.mark.parametrize("package", PACKAGES)
def test_a_name_not_declared_is_not_an_attribute(package: str) -> None:
    module = importlib.import_module(package)
    with pytest.raises(AttributeError):
        module.not_a_public_name  # noqa: B018
