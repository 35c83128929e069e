"""The progress bar names the file the run is at and estimates the time left."""

from __future__ import annotations

import io

from optfix.output.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_shows_the_current_file_and_an_eta(monkeypatch) -> None:
    monkeypatch.setattr("sys.stderr", Terminal())
    monkeypatch.setenv("COLUMNS", "120")
    progress = Progress(total=4, enabled=True, delay=0)
    progress.advance("pkg/first.py")
    progress.advance("pkg/deep/second_model.py")
    progress.bar.refresh()
    shown = progress.bar.console.file.getvalue()
    progress.close()
    assert "pkg/deep/second_model.py" in shown and "2/4" in shown
    assert "eta" in shown


def test_a_long_path_is_cut_from_the_left() -> None:
    from optfix.output.progress import _short

    path = "a/" * 40 + "model.py"
    assert len(_short(path)) == 40 and _short(path).endswith("/model.py") and _short(path).startswith("…")
