"""`--help` as a terminal of 80 columns shows it, and shell completion."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from conftest import OPTFIX

COMMANDS = ["diff", "fix", "check", "verify", "rules", "explain"]


def help_text(*args: str, tmp_path) -> str:
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TERM": "xterm"}
    result = subprocess.run([str(OPTFIX), *args, "--help"], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_fits_80_columns_and_cuts_nothing(tmp_path, command):
    text = help_text(*([command] if command else []), tmp_path=tmp_path)
    assert max(map(len, text.splitlines())) <= 80
    for variadic in ("[paths]...", "paths...", "[ARGS]..."):
        text = text.replace(variadic, "")
    assert "…" not in text and "..." not in text


def test_every_option_is_shown_whole(tmp_path):
    from optfix.cli import app
    import typer.main

    group = typer.main.get_command(app)
    for name in ["diff", "fix", "check"]:
        text = help_text(name, tmp_path=tmp_path)
        for parameter in group.commands[name].params:
            for flag in [*parameter.opts, *parameter.secondary_opts]:
                if flag.startswith("--"):
                    assert re.search(rf"(^|[\s,/]){re.escape(flag)}([\s=,]|$)", text, re.M), f"{name}: {flag} missing"


def test_bracketed_words_are_not_lost_to_markup(tmp_path):
    text = " ".join(help_text("check", tmp_path=tmp_path).split())
    assert "Read [tool.optfix] from this file" in text
    assert "[default: auto]" in text
    assert "pip install '.[verify]'" in " ".join(help_text("verify", tmp_path=tmp_path).split())


def test_the_command_list_gives_each_summary_whole(tmp_path):
    text = help_text(tmp_path=tmp_path)
    listed = dict(re.findall(r"^  (\w+)\s{2,}(\S.*)$", text.split("Commands:")[1], re.M))
    assert list(listed) == COMMANDS
    assert all(summary.endswith(".") for summary in listed.values()), listed


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("order", ["bash_source", "source_bash"])
def test_bash_completion_script_completes_commands_and_options(tmp_path, order):
    env = {**os.environ, "_OPTFIX_COMPLETE": order}
    source = subprocess.run([str(OPTFIX)], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    assert source.returncode == 0 and "complete " in source.stdout.decode(), source.stderr.decode()
    (tmp_path / "completion.bash").write_bytes(source.stdout)
    probe = (
        "source completion.bash\n"
        "COMP_WORDS=(optfix ch); COMP_CWORD=1; _optfix_completion optfix; echo \"${COMPREPLY[*]}\"\n"
        "COMP_WORDS=(optfix check --extend-s); COMP_CWORD=2; _optfix_completion optfix; echo \"${COMPREPLY[*]}\"\n"
    )
    env = {**os.environ, "PATH": f"{OPTFIX.parent}{os.pathsep}{os.environ['PATH']}"}
    env.pop("_OPTFIX_COMPLETE", None)
    result = subprocess.run(["bash", "-c", probe], cwd=tmp_path, capture_output=True, env=env, timeout=60)
    assert result.stdout.decode().splitlines() == ["check", "--extend-select"], result.stderr.decode()
