"""Test helpers that live in a package's conftest.py (the engine `Kit` of tests/cases, the JSON client
of tests/api), for the other packages: conftest modules are
not importable by name, since every package's is called `conftest`."""
from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def load(relative: str) -> ModuleType:
    """tests/<relative> as a module, loaded once per session."""
    path = Path(__file__).parent / relative
    spec = importlib.util.spec_from_file_location("helpers_of_" + relative.replace("/", "_")[:-3], path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # as an import would: dataclasses in it look their module up
    spec.loader.exec_module(module)
    return module
