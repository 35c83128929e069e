"""`--summary`'s links: absolute blob links when GitHub's environment says where the files are,
notebook links to the cell's line."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from urllib.parse import unquote

from conftest import GITHUB_LINK_VARIABLES, OPTFIX

FIXABLE = "model.compile(optimizer='Adgrad', loss='mse')\n"
GITHUB = {"GITHUB_SERVER_URL": "https://github.example.com", "GITHUB_REPOSITORY": "team/models", "GITHUB_SHA": "3f2a9c1"}
LINK = re.compile(r"\]\((?P<target>[^)]+)\)")


def summary(folder: Path, *args: str, github: dict[str, str] | None = None) -> list[str]:
    env = {name: value for name, value in os.environ.items() if name not in GITHUB_LINK_VARIABLES}
    result = subprocess.run([str(OPTFIX), "check", "--no-progress", "--summary", "summary.md", *args], cwd=folder,
                            env={**env, **(github or {}), "NO_COLOR": "1"}, capture_output=True, timeout=300)
    assert result.returncode == 1, result.stderr.decode()
    return LINK.findall((folder / "summary.md").read_text())


def project(root: Path) -> Path:
    (root / ".git").mkdir()
    (root / "src" / "models").mkdir(parents=True)
    (root / "src" / "models" / "train model.py").write_text("import keras\n" + FIXABLE)
    return root / "src"


def test_links_are_blob_links_from_the_repository_root_at_the_commit(tmp_path):
    src = project(tmp_path)
    assert summary(src, github=GITHUB) == ["https://github.example.com/team/models/blob/3f2a9c1/src/models/train%20model.py#L2"]


def test_summary_ref_names_the_branch_the_links_lead_into(tmp_path):
    src = project(tmp_path)
    [link] = summary(src, "--summary-ref", "optfix/keras3", github=GITHUB)
    assert link.startswith("https://github.example.com/team/models/blob/optfix/keras3/src/models/")


def test_without_github_s_environment_links_stay_relative(tmp_path):
    src = project(tmp_path)
    assert summary(src) == ["models/train%20model.py#L2"]
    assert summary(src, "--summary-ref", "main", github={"GITHUB_SERVER_URL": "https://github.com"}) == ["models/train%20model.py#L2"]


def test_a_notebook_link_leads_to_the_cell_s_line_in_the_file(tmp_path):
    (tmp_path / ".git").mkdir()
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Training\n"]},
            {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
             "source": ["import keras\n", "x = 1\n", FIXABLE.rstrip("\n")]},
        ],
        "metadata": {"kernelspec": {"language": "python", "name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }
    (tmp_path / "train.ipynb").write_text(json.dumps(notebook, indent=1) + "\n")
    [link] = summary(tmp_path, github=GITHUB)
    target, _, line = link.partition("?plain=1#L")
    assert unquote(target) == "https://github.example.com/team/models/blob/3f2a9c1/train.ipynb"
    assert "optimizer='Adgrad'" in (tmp_path / "train.ipynb").read_text().splitlines()[int(line) - 1]
