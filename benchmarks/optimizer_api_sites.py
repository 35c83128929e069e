"""List the optimizer calls of an unpacked release that Keras 3 removed, each with the findings
optfix reports for it, for judging by hand (the optimizer-api survey in benchmarks/README.md).

    optfix diff --output-format json --isolated RELEASE/ > report.json
    python benchmarks/optimizer_api_sites.py RELEASE report.json

Each line: `path:line`, the call, and the findings on its lines (`rule:kind:safety:message`);
where there are none and the call is inside a class, the other rules' findings at the class's
line (a custom optimizer class is reported where it is defined), else NONE.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys

METHODS = {"minimize", "get_scaled_loss", "get_unscaled_gradients", "_decayed_lr", "get_slot", "get_slot_names",
           "add_slot", "get_gradients", "_get_hyper", "_set_hyper"}
ON_OPTIMIZERS = {"get_weights", "variables", "set_weights"}  # counted on objects named like an optimizer
NAMED_LIKE_ONE = re.compile(r"opt", re.IGNORECASE)


def _enclosing_classes(tree: ast.Module) -> dict[int, tuple[str, int]]:
    classes = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            for inner in ast.walk(node):
                classes.setdefault(id(inner), (node.name, node.lineno))  # ast.walk: outer classes first
    return classes


def sites(tree: ast.Module):
    """(first line, last line, enclosing class or None, description) of each call to judge."""
    classes = _enclosing_classes(tree)
    for node in ast.walk(tree):
        where = (node.lineno, node.end_lineno, classes.get(id(node))) if hasattr(node, "lineno") else None
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name == "LossScaleOptimizer":
                yield *where, "LossScaleOptimizer()"
            if not isinstance(func, ast.Attribute):
                continue
            receiver = ast.unparse(func.value)
            if name in METHODS:
                yield *where, f"{receiver}.{name}"
            elif name == "apply_gradients":
                keywords = [keyword.arg for keyword in node.keywords if keyword.arg != "grads_and_vars"]
                if keywords or len(node.args) > 1:
                    yield *where, f"{receiver}.apply_gradients keywords={keywords} positional={len(node.args)}"
            elif name in ON_OPTIMIZERS and NAMED_LIKE_ONE.search(receiver.split(".")[-1]):
                yield *where, f"{receiver}.{name}()"
        elif isinstance(node, ast.Attribute) and node.attr == "weights":
            receiver = ast.unparse(node.value)
            if NAMED_LIKE_ONE.search(receiver.split(".")[-1]):
                yield *where, f"{receiver}.weights"


def main(root: str, report: str) -> None:
    results = json.load(open(report))["results"]
    by_line: dict[tuple[str, int], list[dict]] = {}
    for result in results:
        for line in range(result["line"], result["end_line"] + 1):
            by_line.setdefault((os.path.normpath(result["path"]), line), []).append(result)
    for folder, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith(".py"):
                continue
            path = os.path.normpath(os.path.join(folder, name))
            try:
                tree = ast.parse(open(path, encoding="utf-8", errors="replace").read())
            except SyntaxError:
                continue
            for first, last, cls, what in sorted(set(sites(tree)), key=str):
                found = list({id(r): r for line in range(first, last + 1) for r in by_line.get((path, line), [])}.values())
                if not found and cls:
                    found = [r for r in results if os.path.normpath(r["path"]) == path and r["line"] == cls[1]
                             and r["rule"] != "optimizer-api"]
                    what += f" [in class {cls[0]}:{cls[1]}]"
                fix = lambda r: r["fix"]["safety"] if r.get("fix") else "-"  # noqa: E731
                tags = "; ".join(f"{r['rule']}:{r['kind']}:{fix(r)}:{r['message'][:90]}" for r in found)
                print(f"{path}:{first}\t{what}\t{tags or 'NONE'}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
