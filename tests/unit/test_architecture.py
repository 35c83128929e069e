"""The layout a newcomer reads the design from: folders by role, the import directions DESIGN.md
allows, short modules, and no reaching into another module's private names."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import REPO


# The role of each part of optfix; the front is every module directly in optfix/ but these.
SHARED = {"optfix", "optfix.findings", "optfix.lazy"}  # the version, results, lazy imports: for everyone
ROLES = ("engine", "rulekit", "analysis", "files", "output", "knowledge", "verify", "codemods")

# What each role may import, besides itself and SHARED (DESIGN.md, "Where things live").
ALLOWED = {
    "front": {"front", "settings", "engine", "output", "verify", "files", "rulekit"},
    "settings": {"rulekit"},  # FixOptions: the part of the settings the rules see
    "engine": {"rulekit", "files", "analysis", "codemods"},  # codemods: the registry finds the rules
    "codemods": {"rulekit", "analysis", "knowledge"},
    "rulekit": {"analysis", "knowledge"},
    "analysis": {"knowledge"},
    "files": set(),
    "output": {"files", "rulekit", "settings"},  # settings: the run's choices the output follows
    "verify": {"engine", "files", "analysis", "output", "codemods", "rulekit"},
    "knowledge": set(),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[0] == "codemods":
        parts = ["optfix", "codemods", *parts[1:]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def role(module: str) -> str:
    parts = module.split(".")
    if module in SHARED:
        return "shared"
    if len(parts) > 1 and parts[1] in ROLES:
        return parts[1]
    return "settings" if module == "optfix.settings" else "front"


def sources() -> list[Path]:
    return sorted([*(REPO / "optfix").rglob("*.py"), *(REPO / "codemods").rglob("*.py")])


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, names) of each import of optfix in the file; relative imports resolved."""
    found = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.split(".")
                module = ".".join(base[: len(base) - node.level + 1] + ([module] if module else []))
            if module.split(".")[0] == "optfix":
                found.append((node.lineno, module, [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, []) for alias in node.names if alias.name.split(".")[0] == "optfix"]
    return found


def rule_package(module: str) -> str | None:
    parts = module.split(".")
    return ".".join(parts[:3]) if parts[:2] == ["optfix", "codemods"] and len(parts) > 2 else None


def test_the_front_is_at_most_twelve_modules() -> None:
    front = sorted(path.name for path in (REPO / "optfix").glob("*.py"))
    assert len(front) <= 12, front


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(REPO)))
def test_module_is_short(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 500, f"{path.relative_to(REPO)} has {lines} lines: split it by what it does"


def test_imports_follow_the_allowed_directions() -> None:
    wrong = []
    for path in sources():
        importer = module_name(path)
        for line, imported, names in imports(path):
            targets = [imported] if not names or imported != "optfix" else [f"optfix.{name}".removesuffix(".__version__") for name in names]
            for target in targets:
                source_role, target_role = role(importer), role(target)
                if target_role in ("shared", source_role) or target_role in ALLOWED.get(source_role, ()):
                    continue
                wrong.append(f"{path.relative_to(REPO)}:{line}: {source_role} imports {target_role} ({target})")
    assert not wrong, "\n".join(wrong)


def test_no_rule_imports_another_rule() -> None:
    wrong = []
    for path in sources():
        own = rule_package(module_name(path))
        for line, imported, _ in imports(path):
            other = rule_package(imported)
            if own and other and other != own:
                wrong.append(f"{path.relative_to(REPO)}:{line}: imports {imported}")
    assert not wrong, "\n".join(wrong)


def test_no_private_name_is_imported_from_another_module() -> None:
    wrong = []
    for path in sources():
        for line, imported, names in imports(path):
            private = [name for name in names if name.startswith("_") and not name.startswith("__")]
            if private and imported != module_name(path):
                wrong.append(f"{path.relative_to(REPO)}:{line}: from {imported} import {', '.join(private)}")
    assert not wrong, "\n".join(wrong)


def test_rule_documentation_speaks_to_users() -> None:
    """`optfix explain` prints a rule's docstring: it names no test of this repository."""
    from optfix.engine.registry import all_rules

    for rule in all_rules():
        documentation = rule.documentation()
        assert "tests/" not in documentation and "test_" not in documentation, rule.id


def test_every_package_is_installed() -> None:
    """A folder of code missing from pyproject's package list works in an editable install and
    is absent from a real one."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    present = {module_name(init) for init in [*(REPO / "optfix").rglob("__init__.py"), *(REPO / "codemods").rglob("__init__.py")]}
    assert listed == present
