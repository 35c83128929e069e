"""Shared by every test: the repository, the console script as a user runs it, the markers each
folder's tests carry, the guards that keep the fast selection in process and free of TensorFlow,
and the --update-fixtures option.

    tests/unit/         in process, no TensorFlow, no subprocess
    tests/rules/        the fixture harness and each rule's behaviour, in process
    tests/cli/          a subprocess (the optfix command, python, git): marker e2e
    tests/equivalence/  TensorFlow, Keras or tf_keras: marker tf

A test elsewhere that needs TensorFlow or a subprocess carries the marker itself. A test marked
neither that starts a process or imports TensorFlow, Keras or tf_keras fails, naming the marker
it lacks. The fast selection, `pytest -m "not tf and not e2e and not slow"`, also leaves out the
property suite and the engine's sweeps over every fixture at once (marker slow).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
OPTFIX = Path(sys.executable).with_name("optfix")
GITHUB_LINK_VARIABLES = ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA", "GITHUB_WORKSPACE")

FOLDER_MARKERS = {"cli": "e2e", "equivalence": "tf"}
HEAVY_LIBRARIES = ("tensorflow", "keras", "tf_keras")
NOT_E2E = "this test starts a process: mark it e2e, or move it to tests/cli/"
NOT_TF = "this test imported {}: mark it tf, or move it to tests/equivalence/"
UPDATED_FIXTURES = pytest.StashKey[list]()
CALL_FAILED = pytest.StashKey[bool]()


def sources(texts: dict[str, str], slow: str) -> list:
    """`texts` as test parameters by name, the one named `slow` (every fixture at once) marked slow."""
    return [pytest.param(text, id=name, marks=[pytest.mark.slow] if name == slow else []) for name, text in texts.items()]


def run_optfix(*args: str, cwd: Path, input: bytes | None = None) -> subprocess.CompletedProcess:
    """Run the real console script, as a user would, with colours and progress off by default."""
    env = {**os.environ, "NO_COLOR": "1"}
    for name in GITHUB_LINK_VARIABLES:  # set on GitHub's runners: the summary's links would depend on them
        env.pop(name, None)
    return subprocess.run([str(OPTFIX), *args], cwd=cwd, capture_output=True, input=input, env=env, timeout=300)


def require(module: str):
    """Import a heavy optional dependency: CI installs it, so there it must be present."""
    if os.environ.get("CI"):
        return __import__(module)
    return pytest.importorskip(module)


@pytest.fixture
def optfix():
    return run_optfix


# -- markers ---------------------------------------------------------------------------------------

def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-fixtures", action="store_true",
        help="run only the fixture harness, rewriting each fixture's NAME.expected.py, "
             "NAME.unsafe.expected.py and NAME.findings from what optfix gives now",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[UPDATED_FIXTURES] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        folder = item.path.relative_to(TESTS).parts[0] if item.path.is_relative_to(TESTS) else None
        if folder in FOLDER_MARKERS:
            item.add_marker(FOLDER_MARKERS[folder])
    if config.getoption("update_fixtures"):
        harness = [item for item in items if "update_fixtures" in getattr(item, "fixturenames", ())]
        config.hook.pytest_deselected(items=[item for item in items if item not in harness])
        items[:] = harness


def pytest_collection_finish(session: pytest.Session) -> None:
    loaded = _heavy_libraries_loaded()
    if loaded:
        raise pytest.UsageError(
            f"importing the test modules imported {', '.join(loaded)}: a test imports them inside "
            "its body (and lives in tests/equivalence/), so that the fast selection never pays for them")


# -- the guards of the fast selection --------------------------------------------------------------

def _heavy_libraries_loaded() -> list[str]:
    return [name for name in HEAVY_LIBRARIES if name in sys.modules]


def _refuse_processes(monkeypatch: pytest.MonkeyPatch, attempts: list[str]) -> None:
    def refuse(*args, **kwargs):
        attempts.append(repr(args[1:2] or args)[:200])  # Popen's self is not worth showing
        raise AssertionError(NOT_E2E)

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    for name in ("fork", "posix_spawn", "posix_spawnp", "system"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


@pytest.fixture(autouse=True)
def _in_process_and_light(request: pytest.FixtureRequest):
    """In a test marked neither tf nor e2e: no process may start, and TensorFlow, Keras and
    tf_keras must not be imported (a test marked tf may import them; one marked e2e may start
    processes, whose imports are their own)."""
    markers = {marker.name for marker in request.node.iter_markers()}
    if markers & {"tf", "e2e"}:
        yield
        return
    already = _heavy_libraries_loaded()
    attempts: list[str] = []  # kept even where the code under test swallows the refusal
    with pytest.MonkeyPatch.context() as monkeypatch:
        _refuse_processes(monkeypatch, attempts)
        yield
    if attempts and not request.node.stash.get(CALL_FAILED, False):  # the refusal was swallowed
        pytest.fail(f"{NOT_E2E}: {attempts[0]}", pytrace=False)
    imported = [name for name in _heavy_libraries_loaded() if name not in already]
    if imported:
        pytest.fail(NOT_TF.format(", ".join(imported)), pytrace=False)


# -- --update-fixtures -----------------------------------------------------------------------------

@pytest.fixture
def update_fixtures(request: pytest.FixtureRequest) -> list[Path] | None:
    """With --update-fixtures, the list of fixture files rewritten so far, for a test to add to;
    otherwise None: the test checks the fixture files instead."""
    if not request.config.getoption("update_fixtures"):
        return None
    return request.config.stash[UPDATED_FIXTURES]


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if not config.getoption("update_fixtures"):
        return
    updated = config.stash[UPDATED_FIXTURES]
    terminalreporter.section("fixtures updated")
    for path in updated:
        terminalreporter.line(str(path.relative_to(REPO) if path.is_relative_to(REPO) else path))
    files = "1 fixture file" if len(updated) == 1 else f"{len(updated)} fixture files"
    terminalreporter.line(f"{files} written or deleted: review them with `git diff fixtures/`")
