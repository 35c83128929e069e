from __future__ import annotations

import io

from optfix.output.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _drive(monkeypatch, stream, **options) -> str:
    monkeypatch.setattr("sys.stderr", stream)
    progress = Progress(total=3, **options)
    for _ in range(3):
        progress.advance()
    progress.print("a.py:1:1: rule message")
    progress.close()
    return stream.getvalue()


def test_bar_appears_on_a_terminal_once_the_run_is_long(monkeypatch) -> None:
    shown = _drive(monkeypatch, Terminal(), enabled=True, delay=0)
    assert "3/3" in shown and "a.py:1:1: rule message" in shown


def test_no_bar_before_the_delay(monkeypatch) -> None:
    shown = _drive(monkeypatch, Terminal(), enabled=True, delay=3600)
    assert shown == "a.py:1:1: rule message\n"


def test_no_bar_when_stderr_is_not_a_terminal_or_when_disabled(monkeypatch) -> None:
    assert _drive(monkeypatch, io.StringIO(), enabled=True, delay=0) == "a.py:1:1: rule message\n"
    assert _drive(monkeypatch, Terminal(), enabled=False, delay=0) == "a.py:1:1: rule message\n"
