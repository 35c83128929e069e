"""Crash safety: `optfix fix` killed with SIGKILL at random moments never leaves a file half-written.

The requirement: a run over many files is killed (the whole process group, workers too) at random
moments; afterwards every file is either its original bytes or its complete rewrite - never
partial, never empty, never anything else - and keeps its mode. Temporary files may be left by a
killed run (nothing can clean up after SIGKILL); a run that completes leaves none of its own.

Every file's rewrite is known in advance: the tree is generated line by line, and each line that
optfix must fix is written twice, as the slip and as its correction (no optfix code computes the
expectation). The delays are seeded, so a failure names a run that can be replayed.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import OPTFIX, run_optfix

from optfix.engine.prefilter import MAX_PARSE_BYTES

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="process groups, SIGKILL and /proc")

SEED = 20240611
KILLED_RUNS = 10
EXTRA_RUNS = 8  # only if no scheduled kill landed mid-run; these kill at the run's first write
JOBS = "2"
TEMPORARY = ".optfix-tmp"

# Slips the `optimizer-name` rule corrects, with their corrections (quotes as written are kept).
SLIPS = {"Adgrad": "adagrad", "sdg": "sgd", "rmsprp": "rmsprop", "adagard": "adagrad"}
# Spellings that need no change: they must never be rewritten.
VALID = ["adam", "Adam", "sgd", "RMSProp", "adagrad", "Adamax"]
MODES = [0o644, 0o600, 0o640, 0o664, 0o755]
FOLDERS = [".", "models", "models/vision", "models/vision/backbones", "training", "training/loops/legacy", "experiments/2019"]


@dataclass
class Planned:
    original: bytes
    expected: bytes
    mode: int

    @property
    def changes(self) -> bool:
        return self.original != self.expected


def _filler(rng: random.Random, index: int) -> list[str]:
    name = f"block_{index}_{rng.randrange(10**6)}"
    return [
        f"def {name}(units={rng.randint(1, 512)}):\n",
        "    model = keras.Sequential([keras.layers.Dense(units)])\n",
        f"    return model  # {name}\n",
        "\n",
    ]


def _slip_line(rng: random.Random) -> tuple[str, str]:
    """A line optfix must rewrite, and its rewrite."""
    slip = rng.choice(sorted(SLIPS))
    quote = rng.choice("'\"")
    before, after = f"{quote}{slip}{quote}", f"{quote}{SLIPS[slip]}{quote}"
    template = rng.choice([
        "model.compile(optimizer={}, loss='mse')\n",
        "model.compile({}, loss='mse')\n",
        "    model.compile(optimizer={}, loss='categorical_crossentropy', metrics=['accuracy'])\n",
    ])
    if template.startswith("    "):
        template = "if True:\n" + template
    return template.format(before), template.format(after)


def _valid_line(rng: random.Random) -> str:
    return rng.choice([
        f"model.compile(optimizer='{rng.choice(VALID)}', loss='mse')\n",
        "pattern = re.compile('Adgrad')\n",  # re.compile is not Keras: never touched
        "settings = {'optimizer': 'sdg'}  # a name in a dict is not checked\n",
        "total = sum(range(10))\n",
    ])


def _small(rng: random.Random, index: int, changes: bool) -> tuple[str, str]:
    before = ["import re\n", "import keras\n", "\n"]
    after = list(before)
    for block in range(rng.randint(1, 4)):
        for line in _filler(rng, index * 10 + block):
            before.append(line)
            after.append(line)
        line = _valid_line(rng)
        before.append(line)
        after.append(line)
    slips = rng.randint(1, 3) if changes else 0
    for _ in range(slips):
        at = rng.randrange(3, len(before) + 1)
        while at < len(before) and before[at - 1].startswith(("def ", "    ", "if ")):
            at += 1  # never inside a block
        old, new = _slip_line(rng)
        before.insert(at, old)
        after.insert(at, new)
    return "".join(before), "".join(after)


def _large(rng: random.Random, index: int, changes: bool) -> tuple[str, str]:
    """Hundreds of KB in one string literal (quick to parse, slow enough to write), with a slip in
    the first and in the last line: a truncated file matches neither version."""
    size = rng.randint(300, 900) * 1024
    blob = "".join(f"row {row:07} {index:03} " + "abcdefgh" * 7 + "\n" for row in range(size // 80))
    head_new = "model.compile(optimizer='adagrad', loss='mse')\n"
    head_old = head_new.replace("adagrad", "Adgrad") if changes else head_new
    tail_old, tail_new = _slip_line(rng) if changes else (("model.compile(optimizer='sgd')\n",) * 2)
    body = f'DATA_{index} = """\n{blob}"""\n'
    return "import keras\n" + head_old + body + tail_old, "import keras\n" + head_new + body + tail_new


def plan_tree(seed: int) -> dict[str, Planned]:
    """Relative path -> original bytes, expected bytes after `optfix fix`, file mode."""
    rng = random.Random(seed)
    plan: dict[str, Planned] = {}
    kinds = ["small-change"] * 170 + ["small-unchanged"] * 40 + ["large-change"] * 12 + ["large-unchanged"] * 3
    rng.shuffle(kinds)
    for index, kind in enumerate(kinds):
        folder = rng.choice(FOLDERS)
        relative = os.path.normpath(f"{folder}/{kind.split('-')[0]}_{index:04}.py")
        changes = kind.endswith("-change")
        make = _large if kind.startswith("large") else _small
        old, new = make(rng, index, changes)
        newline = "\r\n" if kind.startswith("small") and rng.random() < 0.15 else "\n"
        original = old.replace("\n", newline).encode()
        expected = new.replace("\n", newline).encode()
        assert len(original) < MAX_PARSE_BYTES
        assert (original != expected) == changes
        compile(original, relative, "exec")
        compile(expected, relative, "exec")
        plan[relative] = Planned(original, expected, rng.choice(MODES))
    return plan


def materialize(root: Path, plan: dict[str, Planned]) -> dict[str, tuple[int, int]]:
    """Write the tree; return each file's (inode, mtime_ns)."""
    for relative, planned in plan.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(planned.original)
        os.chmod(path, planned.mode)
    # Older than anything optfix writes, so a rewrite of an unchanged file would show.
    past = time.time() - 3600
    stamps = {}
    for relative in plan:
        os.utime(root / relative, (past, past))
        info = os.stat(root / relative)
        stamps[relative] = (info.st_ino, info.st_mtime_ns)
    return stamps


def everything_in(root: Path) -> set[str]:
    """Every file under root (dot files included), relative."""
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _, names in os.walk(root)
        for name in names
    }


def temporaries(root: Path) -> set[str]:
    return {path for path in everything_in(root) if path.endswith(TEMPORARY)}


def _first_difference(a: bytes, b: bytes) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


@dataclass
class State:
    rewritten: int
    untouched: int
    leftovers: set[str]


def check_tree(root: Path, plan: dict[str, Planned], stamps: dict[str, tuple[int, int]], *, done: bool, label: str) -> State:
    """Every file is its original or its complete rewrite (only the rewrite if `done`), with its mode;
    files with nothing to change are not even rewritten; nothing but temporaries was added."""
    present = everything_in(root)
    leftovers = temporaries(root)
    assert present - leftovers == set(plan), f"{label}: files added or removed: {sorted(present ^ set(plan))[:10]}"
    rewritten = untouched = 0
    problems = []
    for relative, planned in plan.items():
        path = root / relative
        data = path.read_bytes()
        info = os.stat(path)
        if stat.S_IMODE(info.st_mode) != planned.mode:
            problems.append(f"{relative}: mode {oct(stat.S_IMODE(info.st_mode))}, was {oct(planned.mode)}")
        if not planned.changes:
            if data != planned.original or (info.st_ino, info.st_mtime_ns) != stamps[relative]:
                problems.append(f"{relative}: nothing to change, yet it was rewritten")
            continue
        if data == planned.expected:
            rewritten += 1
        elif data == planned.original and not done:
            untouched += 1
        else:
            nearest = planned.expected if done or len(data) and data[:40] == planned.expected[:40] else planned.original
            problems.append(
                f"{relative}: {len(data)} bytes, neither the original ({len(planned.original)} bytes) nor the complete "
                f"rewrite ({len(planned.expected)} bytes); first difference at byte {_first_difference(data, nearest)}"
                + (" (EMPTY)" if not data else "")
            )
    assert not problems, f"{label}: {len(problems)} files damaged:\n" + "\n".join(problems[:20])
    for leftover in leftovers:
        # The temporary of an interrupted write: in the folder of a planned file, named after it,
        # holding a prefix of that file's rewrite (never anything else).
        folder, name = os.path.split(leftover)
        target = next(
            (relative for relative in plan if os.path.split(relative)[0] == folder
             and name.startswith("." + os.path.basename(relative) + ".")),
            None,
        )
        assert target is not None, f"{label}: a temporary for no file we know: {leftover}"
        content = (root / leftover).read_bytes()
        assert plan[target].expected.startswith(content), f"{label}: {leftover} holds something else than the rewrite"
    return State(rewritten, untouched, leftovers)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies waiting for a reaper do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
            return True
    return False


def kill_group(process: subprocess.Popen) -> bool:
    """SIGKILL the process and its workers; wait until none runs. True if it had already finished."""
    finished = process.poll() is not None
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while _group_alive(process.pid):
        assert time.monotonic() < deadline, "a process of the killed group is still running"
        time.sleep(0.01)
    return finished


def wait_for_a_write(root: Path, plan: dict[str, Planned], stamps: dict[str, tuple[int, int]], limit: float) -> None:
    """Until the run writes: a temporary file, or a file replaced. `fix` writes the files once every
    file is processed, in a burst at the end, which a kill at a random moment seldom meets."""
    changing = [relative for relative, planned in plan.items() if planned.changes]
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        for relative in changing:
            try:
                if os.stat(root / relative).st_ino != stamps[relative][0]:
                    return
            except FileNotFoundError:
                continue
        if temporaries(root):
            return


def start_fix(root: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(OPTFIX), "fix", "--no-progress", "-q", "--jobs", JOBS, "."],
        cwd=root,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1"},
        start_new_session=True,
    )


def clean_fix(root: Path, label: str) -> None:
    """A run to completion: it reports each temporary file a killed run left, and nothing else."""
    leftovers = temporaries(root)
    result = run_optfix("fix", "--no-progress", "--jobs", JOBS, ".", cwd=root)
    stderr = result.stderr.decode()
    assert result.returncode == (1 if leftovers else 0), f"{label}: clean run exited {result.returncode}:\n{stderr[-3000:]}"
    assert "Traceback" not in stderr
    reported = {line.split(":")[0] for line in stderr.splitlines() if "leftover-temporary-file" in line}
    assert reported == leftovers, f"{label}: temporaries {sorted(leftovers)}, reported {sorted(reported)}"


def test_sigkill_at_random_moments_never_leaves_a_partial_file(tmp_path):
    plan = plan_tree(SEED)
    work = sum(planned.changes for planned in plan.values())
    sizes = sorted(len(planned.original) for planned in plan.values())
    print(f"\n{len(plan)} files ({work} to rewrite), {sum(sizes) / 2**20:.1f} MiB, largest {sizes[-1] // 1024} KiB")

    # A complete run on a fresh tree: the expectation holds, nothing is left behind, and its
    # duration tells where "mid-run" is.
    root = tmp_path / "baseline"
    stamps = materialize(root, plan)
    started = time.perf_counter()
    clean_fix(root, "baseline")
    full = time.perf_counter() - started
    state = check_tree(root, plan, stamps, done=True, label="baseline")
    assert state.leftovers == set(), f"a complete run left temporaries: {sorted(state.leftovers)}"
    shutil.rmtree(root)
    print(f"complete run: {full:.2f} s")

    rng = random.Random(SEED)
    delays = [rng.uniform(0.05, 0.9) * full for _ in range(KILLED_RUNS)]
    extra = [rng.uniform(0.3, 0.8) * full for _ in range(EXTRA_RUNS)]
    mid_run = with_leftovers = persisted = 0
    run = 0
    while delays or (extra and not mid_run):
        scheduled = bool(delays)
        delay = delays.pop(0) if delays else extra.pop(0)
        run += 1
        label = f"run {run} (seed {SEED}, SIGKILL after {delay:.3f} s)" if scheduled else f"run {run} (SIGKILL at its first write)"
        root = tmp_path / f"run{run}"
        stamps = materialize(root, plan)

        process = start_fix(root)
        if scheduled:
            time.sleep(delay)
        else:
            wait_for_a_write(root, plan, stamps, 3 * full + 10)
        finished = kill_group(process)
        if finished:
            assert process.returncode == 0, f"{label}: finished before the kill with exit status {process.returncode}"
        killed = check_tree(root, plan, stamps, done=finished, label=f"{label}, after the kill")
        mid_run += 0 < killed.rewritten < work
        with_leftovers += bool(killed.leftovers)

        clean_fix(root, f"{label}, clean run after it")
        after = check_tree(root, plan, stamps, done=True, label=f"{label}, after a clean run")
        # The clean run adds no temporaries of its own. Those of the killed run stay (nothing can
        # clean up after SIGKILL), reported by the clean run, which leaves them to the user: a
        # temporary file may be another run's, still being written.
        assert after.leftovers <= killed.leftovers, (
            f"{label}: the clean run left temporaries of its own: {sorted(after.leftovers - killed.leftovers)}")
        persisted += len(after.leftovers)
        print(f"{label}: {killed.rewritten}/{work} rewritten when killed"
              f"{' (run had finished)' if finished else ''}, temporaries left: {sorted(killed.leftovers) or 'none'}")
        shutil.rmtree(root)

    print(f"{run} killed runs: {mid_run} killed mid-run, {with_leftovers} left a temporary file, "
          f"{persisted} temporaries still there after the clean run")
    assert mid_run, "no run was killed while it had rewritten some files and not others: the test proved nothing"
