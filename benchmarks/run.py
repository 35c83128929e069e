"""Measure optfix on large real trees, beside the baselines, in one run.

The corpus is the installed source of `keras`, `tf_keras` and `tensorflow` (pinned by the `test`
extra), read where it is installed and never written. Each stage runs in a child process of its
own, so wall time, CPU time and peak memory are that stage's alone:

    read      read every file
    ast       ast.parse every file (--jobs processes)
    libcst    libcst parse + code generation of every file (--jobs processes)
    parsed    libcst parse + code generation of the files optfix's two prefilter stages let through
    rules     all the rules optfix runs on those same files, in --jobs processes (the per-file cost:
              parse, the rules' pass, findings' positions, code generation); `parsed` and `rules`
              are timed without choosing the files
    optfix    `optfix check` on the corpus (the real console script)
    ruff      `ruff check --select NPY201` on the corpus, if ruff is installed

A migration, where every file has work, on a copy of the installed keras 3 tree with lines
appended to each of its files (built in a temporary folder, removed at the end):
    work: a Keras 2 call and a TF1 optimizer, whose rewrite adds `import keras` and removes the
          import it came through (MIGRATION_WITH_IMPORTS below); light: the Keras 2 call alone
    bare-work, bare-light    libcst parse + code generation of every file (--jobs processes)
    fix-work, fix-light      `optfix fix` on a fresh copy (the copy is not timed)
    imports-work             every file's journey in --jobs processes, to count how often the import
                             edits fell back to libcst's visitors, and why

Usage: python benchmarks/run.py [--jobs N] [--stages read,ast,...] [--packages keras,...]
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

STAGES = ("read", "ast", "libcst", "parsed", "rules", "optfix", "ruff",
          "bare-work", "fix-work", "imports-work", "bare-light", "fix-light")
MIGRATION_STAGES = {"bare-work": "work", "fix-work": "work", "imports-work": "work", "bare-light": "light", "fix-light": "light"}
KERAS2_CALL = "keras.optimizers.Adam(lr=0.01)\n"
MIGRATION_WITH_IMPORTS = KERAS2_CALL + "import tensorflow as _tf_legacy\n_tf_legacy.compat.v1.train.AdamOptimizer(0.01)\n"
MIGRATIONS = {"work": MIGRATION_WITH_IMPORTS, "light": KERAS2_CALL}
OPTFIX = Path(sys.executable).with_name("optfix")
RUFF = shutil.which("ruff", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


def corpus(packages: list[str]) -> list[Path]:
    roots = []
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            sys.exit(f"{package} is not installed: pip install -e '.[test]'")
        roots += [Path(p) for p in spec.submodule_search_locations]
    return roots


def python_files(roots: list[Path]) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if p.is_file())


def _ast(path: Path) -> None:
    try:
        ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        pass


def _libcst(path: Path) -> None:
    import libcst

    try:
        libcst.parse_module(path.read_bytes()).bytes
    except Exception:
        pass


def _prefiltered(files: list[Path]) -> list[tuple[Path, tuple[str, ...]]]:
    """The files that reach libcst, with the rules that do: both prefilter stages say yes."""
    from optfix.engine.prefilter import ast_stage, bytes_stage
    from optfix.engine.registry import all_rules

    rules = all_rules()
    chosen = []
    for path in files:
        data = path.read_bytes()
        wanted = bytes_stage(data, rules)
        kept = ast_stage(data.decode("utf-8", "replace"), wanted) if wanted else []
        if kept:
            chosen.append((path, tuple(rule.id for rule in kept)))
    return chosen


def _rules(chosen: tuple[Path, tuple[str, ...]]) -> None:
    from optfix.engine.journey import process_bytes
    from optfix.engine.registry import rules_by_id

    path, ids = chosen
    process_bytes(path, path.read_bytes(), [rules_by_id()[rule_id] for rule_id in ids])


def migration_trees(folder: Path) -> dict[str, Path]:
    """The installed keras 3 tree, copied once per migration with its lines appended to every file."""
    (keras,) = corpus(["keras"])
    trees = {}
    for name, appended in MIGRATIONS.items():
        root = folder / name / "keras"
        for path in python_files([keras]):
            copy = root / path.relative_to(keras)
            copy.parent.mkdir(parents=True, exist_ok=True)
            data = path.read_bytes()
            copy.write_bytes(data + (b"\n" if data and not data.endswith(b"\n") else b"") + b"\n" + appended.encode())
        trees[name] = root
    return trees


def _journey(path: Path) -> tuple[float, Counter]:
    """One file's whole journey, as `optfix fix` makes it (nothing written): its CPU time, and the
    import edits libcst's visitors made in it."""
    from optfix.engine import import_edits
    from optfix.engine.journey import process_file
    from optfix.engine.registry import all_rules

    from optfix.engine import partial

    before = Counter(import_edits.fallbacks)
    before_partial = Counter(partial.fallbacks)
    started = time.process_time()
    process_file(path, all_rules())
    return time.process_time() - started, Counter(import_edits.fallbacks) - before, Counter(partial.fallbacks) - before_partial


def run_stage(stage: str, roots: list[Path], jobs: int) -> dict:
    """Runs in a child process: do the stage's work once."""
    files = python_files(roots)
    if stage.startswith("bare-"):
        stage = "libcst"
    if stage.startswith("fix-"):
        return _fix(roots, jobs, files)
    if stage == "imports-work":
        with ProcessPoolExecutor(jobs, initializer=_load_libcst) as pool:
            list(pool.map(_identity, range(jobs)))
            started = time.perf_counter()
            done = list(pool.map(_journey, files, chunksize=4))
            work_wall = time.perf_counter() - started
        fallbacks = sum((counts for _, counts, _ in done), Counter())
        parsing = sum((counts for _, _, counts in done), Counter())
        return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "work_wall": work_wall,
                "cpu": sum(cpu for cpu, _, _ in done), "peak_mb": _usage()["peak_mb"], "fallbacks": dict(fallbacks),
                "parsing": dict(parsing)}
    if stage == "read":
        for path in files:
            path.read_bytes()
    elif stage in ("ast", "libcst"):
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(_ast if stage == "ast" else _libcst, files, chunksize=8))
    elif stage in ("parsed", "rules"):
        chosen = _prefiltered(files)
        tasks = [(_libcst, path) if stage == "parsed" else (_rules, (path, ids)) for path, ids in chosen]
        with ProcessPoolExecutor(jobs, initializer=_load_libcst) as pool:  # imports are not timed
            list(pool.map(_identity, range(jobs)))
            started = time.perf_counter()
            cpu = sum(pool.map(_cpu_of, tasks, chunksize=1))
            work_wall = time.perf_counter() - started
        files = [path for path, _ in chosen]
        return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "work_wall": work_wall,
                "cpu": cpu, "peak_mb": _usage()["peak_mb"]}
    elif stage == "optfix":
        done = subprocess.run([str(OPTFIX), "check", "--no-progress", "--jobs", str(jobs), *map(str, roots)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        if done.returncode not in (0, 1):
            sys.exit(f"optfix check failed ({done.returncode}): {done.stderr[-2000:]}")
        return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "summary": done.stderr.strip().splitlines()[-1], **_usage()}
    elif stage == "ruff":
        subprocess.run([RUFF, "check", "--no-cache", "--select", "NPY201", "--exit-zero", "--quiet", *map(str, roots)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), **_usage()}


def _fix(roots: list[Path], jobs: int, files: list[Path]) -> dict:
    """`optfix fix` on a copy of the tree, made first and not timed: its wall time, the CPU time and
    peak memory of its processes alone."""
    with tempfile.TemporaryDirectory() as folder:
        copies = []
        for root in roots:
            copies.append(Path(folder) / root.name)
            shutil.copytree(root, copies[-1])
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([str(OPTFIX), "fix", "--no-progress", "--jobs", str(jobs), *map(str, copies)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
        work_wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"optfix fix failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files), "work_wall": work_wall,
            "cpu": after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime,
            "peak_mb": after.ru_maxrss / 1024, "summary": done.stderr.strip().splitlines()[-1]}


def _load_libcst() -> None:
    """What a worker does once, not per file: import libcst and, for `rules`, every rule's
    modules (run all rules on the bundled examples, which give each of them work)."""
    import libcst  # noqa: F401

    from optfix.engine.journey import process_bytes
    from optfix.engine.registry import all_rules

    for example in sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.py")):
        process_bytes(example, example.read_bytes(), all_rules())


def _identity(value: int) -> int:
    return value


def _cpu_of(task) -> float:
    """Run one (function, argument) task; the CPU time it took in this worker."""
    function, argument = task
    started = time.process_time()
    function(argument)
    return time.process_time() - started


def _usage() -> dict:
    """CPU time and peak memory of this stage: its own process and the ones it waited for."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "cpu": own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime,
        "peak_mb": max(own.ru_maxrss, children.ru_maxrss) / 1024,  # Linux: KiB
    }


def measure(stage: str, roots: list[Path], jobs: int) -> dict:
    command = [sys.executable, __file__, "--child", stage, "--jobs", str(jobs), "--roots", json.dumps([str(r) for r in roots])]
    started = time.perf_counter()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result.update(stage=stage, wall=result.pop("work_wall", time.perf_counter() - started))
    return result


def _compile_optfix() -> None:
    """Write optfix's bytecode, as `pip install` does: an editable install under
    PYTHONDONTWRITEBYTECODE (as on the machines here) would otherwise compile every module of
    optfix at every start, in every worker."""
    import compileall

    import optfix
    import optfix.codemods

    for package in (optfix, optfix.codemods):
        compileall.compile_dir(Path(package.__file__).parent, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--stages", default=",".join(STAGES))
    parser.add_argument("--packages", default="keras,tf_keras,tensorflow")
    parser.add_argument("--child")
    parser.add_argument("--roots")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_stage(args.child, [Path(r) for r in json.loads(args.roots)], args.jobs)))
        return
    _compile_optfix()
    roots = corpus(args.packages.split(","))
    files = python_files(roots)
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {', '.join(args.packages.split(','))}: {len(files)} files, {size / 1e6:.1f} MB; jobs={args.jobs}; "
          f"python {sys.version.split()[0]}; {os.cpu_count()} cores")
    stages = args.stages.split(",")
    with tempfile.TemporaryDirectory(prefix="optfix-migration-") as folder:
        trees = migration_trees(Path(folder)) if any(stage in MIGRATION_STAGES for stage in stages) else {}
        results = _run_stages(stages, roots, trees, args.jobs, len(files), size)
    _print_ratios(results)


def _run_stages(stages: list[str], roots: list[Path], trees: dict[str, Path], jobs: int, count: int, size: int) -> dict:
    results = {}
    for stage in stages:
        if stage == "ruff" and RUFF is None:
            print("ruff: not installed, skipped")
            continue
        results[stage] = result = measure(stage, [trees[MIGRATION_STAGES[stage]]] if stage in MIGRATION_STAGES else roots, jobs)
        files, volume = (count, size) if stage in ("optfix", "ruff") else (result["files"], result["bytes"])
        print(f"{stage:>12}: {result['wall']:8.2f} s wall {result['cpu']:8.2f} s cpu "
              f"{files / result['wall']:9.0f} files/s {volume / 1e6 / result['wall']:8.1f} MB/s "
              f"peak {result['peak_mb']:6.0f} MB" + (f"  ({result['files']} files)" if stage in ("parsed", "rules") else "")
              + (f"  [{result['summary']}]" if "summary" in result else ""))
        if "fallbacks" in result:
            print(f"{'':>14}import edits by libcst's visitors: {sum(result['fallbacks'].values())} in {result['files']} files"
                  + "".join(f"\n{'':>16}{n} {reason}" for reason, n in sorted(result["fallbacks"].items())))
            print(f"{'':>14}libcst parse (optfix.engine.partial): {result['parsing'].get('in part', 0)} files in part; whole:"
                  + "".join(f"\n{'':>16}{n} {reason}" for reason, n in sorted(result["parsing"].items()) if reason != "in part"))
    return results


def _print_ratios(results: dict) -> None:
    for name in ("work", "light"):
        fix, bare = results.get(f"fix-{name}"), results.get(f"bare-{name}")
        if fix and bare:
            print(f"fix-{name} / bare-{name}: {fix['wall'] / bare['wall']:.2f}x wall, {fix['cpu'] / bare['cpu']:.2f}x cpu, "
                  f"{fix['peak_mb'] / bare['peak_mb']:.2f}x peak memory")
    if "parsed" in results and "rules" in results:
        print(f"rules / parsed (per file that needs work): {results['rules']['wall'] / results['parsed']['wall']:.2f}x wall, "
              f"{results['rules']['cpu'] / results['parsed']['cpu']:.2f}x cpu")
    if "optfix" in results:
        wall = results["optfix"]["wall"]
        for stage in ("read", "ast", "libcst", "ruff"):
            if stage in results:
                print(f"optfix / {stage}: {wall / results[stage]['wall']:.2f}x")


if __name__ == "__main__":
    main()
