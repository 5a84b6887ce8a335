"""The layout's one-way rules (docs/architecture.md), checked on every run so that a new import
cycle or a sideways arrow fails the build.

The cycle check is the project's copy of the checker in tools/import_cycles.py: every import
counts, at module level or inside a function."""
from __future__ import annotations

import importlib.util

from workflow import ROOT

SPEC = importlib.util.spec_from_file_location("import_cycles", ROOT / "tools" / "import_cycles.py")
checker = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(checker)

FEATURES = ("admin", "cases", "aid", "followup", "inbox", "documents", "registry", "emergency")
# The composition root: the app factory and what assembles every feature (commands, demo data,
# the OpenAPI document, document samples, the RQ worker). Features never import it.
ROOT_MODULES = {"workflow", "workflow.cli", "workflow.demo", "workflow.openapi", "workflow.samples",
                "workflow.worker"}
MAX_LINES = 600


def _graph() -> dict[str, dict[str, set[str]]]:
    modules = checker.collect(["workflow", "forms", "wsgi.py"], ROOT)
    return {name: checker.imports_of(name, path, modules) for name, path in modules.items()}


def _feature(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "workflow" and parts[1] in FEATURES else None


def test_there_is_no_import_cycle():
    assert checker.cycles(_graph()) == []


def test_the_core_imports_no_feature_and_nothing_above_it():
    for module, imports in _graph().items():
        if module.startswith("workflow.core"):
            outside = {t for t in imports if not t.startswith("workflow.core")}
            assert not outside, f"{module} imports {sorted(outside)}"


def test_nothing_below_the_app_factory_imports_it():
    for module, imports in _graph().items():
        if module not in ROOT_MODULES and module != "wsgi":
            assert not set(imports) & ROOT_MODULES, f"{module} imports {sorted(set(imports) & ROOT_MODULES)}"


def test_forms_import_the_core_labels_and_other_forms_only():
    """Forms never reach for services or definitions: choices come in through `bind_case`."""
    for module, imports in _graph().items():
        if not module.startswith("forms"):
            continue
        for target in imports:
            allowed = (target.startswith(("forms", "workflow.core.")) or
                       (_feature(target) and target.endswith(".labels")))
            assert allowed, f"{module} imports {target}"


def test_features_import_no_private_name_of_another():
    for module, imports in _graph().items():
        for target, names in imports.items():
            if _feature(module) and _feature(target) and _feature(target) != _feature(module):
                private = {n for n in names if n.startswith("_")}
                assert not private, f"{module} imports {sorted(private)} from {target}"


def test_no_module_is_longer_than_600_lines():
    for root in ("workflow", "forms"):
        for path in (ROOT / root).rglob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def test_the_checker_finds_a_cycle_when_there_is_one(tmp_path):
    """The check can fail: two modules that import each other are one cycle."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("def f():\n    from pkg.a import x\n")
    modules = checker.collect(["pkg"], tmp_path)
    graph = {name: checker.imports_of(name, path, modules) for name, path in modules.items()}
    assert checker.cycles(graph) == [["pkg.a", "pkg.b"]]
