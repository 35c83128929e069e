"""Stopping a run from outside: the worker processes never outlive the parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import OPTFIX

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads a process's children from /proc (Linux)")

# Enough work that the run is still going when it is stopped.
SLOW_FILE = "import keras\n" + "".join(
    f"def f{i}(model):\n    model.compile(optimizer='Adgrad', loss='mse')\n    opt{i} = keras.optimizers.SGD(lr=0.1)\n"
    for i in range(150)
)


def children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has stopped running: only its exit status is left


def wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def started():
    """Each process a test starts; any still running at its end is killed (a failing test must
    not leave workers behind)."""
    processes: set[int] = set()
    yield processes
    for pid in processes:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def start_run(tmp_path: Path, command: str, started: set[int]) -> tuple[subprocess.Popen, set[int]]:
    for index in range(40):
        (tmp_path / f"m{index:02}.py").write_text(SLOW_FILE)
    # Output to a file, not a pipe: a worker left alive would hold a pipe open, and reading it would hang.
    with open(tmp_path.parent / f"{tmp_path.name}.stderr", "wb") as stderr:
        process = subprocess.Popen([str(OPTFIX), command, "--jobs", "2", "--no-progress", "."], cwd=tmp_path,
                                   stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ, "NO_COLOR": "1"})
    assert wait_until(lambda: len(children(process.pid)) >= 2 or process.poll() is not None, 60)
    workers = children(process.pid)
    started |= {process.pid, *workers}
    assert process.poll() is None and len(workers) == 2, "the run ended before it could be stopped"
    return process, workers


@pytest.mark.parametrize("command", ["check", "fix"])
def test_sigkill_of_the_parent_alone_takes_the_workers_with_it(tmp_path, command, started):
    process, workers = start_run(tmp_path, command, started)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert wait_until(lambda: not any(alive(worker) for worker in workers), 10), "workers outlived their parent"


def test_sigterm_stops_the_run_and_its_workers_leaving_no_temporary_file(tmp_path, started):
    process, workers = start_run(tmp_path, "fix", started)
    time.sleep(1)  # let it write some files
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, (tmp_path.parent / f"{tmp_path.name}.stderr").read_text()
    assert wait_until(lambda: not any(alive(worker) for worker in workers), 10), "workers outlived their parent"
    assert not [path.name for path in tmp_path.iterdir() if path.name.endswith(".optfix-tmp")]
    for path in tmp_path.glob("*.py"):  # each file whole: as it was, or completely fixed
        text = path.read_text()
        assert text == SLOW_FILE or ("Adgrad" not in text and text.endswith("learning_rate=0.1)\n"))
