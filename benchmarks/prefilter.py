"""How precise and how safe the prefilter is, on the same corpus as run.py.

Every file is given to every rule with no prefilter at all; the files where a rule then changes
something or reports something are the files with work. The prefilter must let all of them
through (a miss would be a silent bug: exit 1), and should let few others through.

Usage: python benchmarks/prefilter.py [--jobs N] [--packages keras,...]
"""

from __future__ import annotations

import argparse
import ast
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from run import corpus, python_files  # noqa: E402

from optfix.engine.journey import process_bytes  # noqa: E402
from optfix.engine.registry import all_rules  # noqa: E402


def examine(path: Path) -> list[tuple[str, bool, bool]]:
    """(rule id, both prefilter stages said yes, the rule had work) for each rule, on one file."""
    data = path.read_bytes()
    rows = []
    for rule in all_rules():
        with_no_prefilter = [type("Unfiltered", (rule,), {"relevant": classmethod(lambda cls, tree: True)})]
        result = process_bytes(path, data, with_no_prefilter)
        rows.append((rule.id, rule.wants(data) and ast_stage(data, rule), result.changed or bool(result.findings)))
    return rows


def ast_stage(data: bytes, rule) -> bool:
    try:
        return rule.relevant(ast.parse(data))
    except (SyntaxError, ValueError):
        return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--packages", default="keras,tf_keras,tensorflow")
    args = parser.parse_args()
    files = python_files(corpus(args.packages.split(",")))
    with ProcessPoolExecutor(args.jobs) as pool:
        results = dict(zip(files, pool.map(examine, files, chunksize=16)))
    missed = 0
    for rule in all_rules():
        rows = [(path, wanted, work) for path, per_rule in results.items() for rule_id, wanted, work in per_rule if rule_id == rule.id]
        passed = [path for path, wanted, _ in rows if wanted]
        worked = [path for path, _, work in rows if work]
        misses = [path for path, wanted, work in rows if work and not wanted]
        missed += len(misses)
        print(f"{rule.id}: {len(files)} files, prefilter lets {len(passed)} through, {len(worked)} have work, "
              f"{len(passed) - len(worked) + len(misses)} let through for nothing "
              f"({(len(passed) - len(worked) + len(misses)) / len(files):.1%} of all files), {len(misses)} missed")
        for path in misses:
            print(f"  MISSED {path}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
