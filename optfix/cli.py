"""The `optfix` command line: options (over the configuration, see config.py) in, one Settings
out, no logic beyond that."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

from optfix import __version__
from optfix.settings import Color, Mode, OutputFormat

app = typer.Typer(
    help="Rewrite legacy TensorFlow/Keras optimizer code into Keras 3, keeping the math.",
    add_completion=True,
    rich_markup_mode=None,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

Paths = Annotated[Optional[list[Path]], typer.Argument(help="Files or folders to process (default: .).", show_default=False)]
Select = Annotated[Optional[list[str]], typer.Option("--select", metavar="RULE", help="Run only this rule (repeatable).")]
ExtendSelect = Annotated[Optional[list[str]], typer.Option("--extend-select", metavar="RULE", help="Run this rule too, besides those selected (repeatable).")]
Ignore = Annotated[Optional[list[str]], typer.Option("--ignore", metavar="RULE", help="Do not run this rule (repeatable).")]
Exclude = Annotated[Optional[list[str]], typer.Option("--exclude", metavar="GLOB", help="Skip paths matching this gitignore-style pattern (repeatable).")]
ExtendExclude = Annotated[Optional[list[str]], typer.Option("--extend-exclude", metavar="GLOB", help="Skip paths matching this pattern too, keeping the configured excludes (repeatable).")]
ForceExclude = Annotated[Optional[bool], typer.Option("--force-exclude/--no-force-exclude", help="Apply the excludes to files named on the command line too.", show_default=False)]
Jobs = Annotated[Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: all cores).", show_default=False)]
ColorOption = Annotated[Optional[Color], typer.Option("--color", help="Color the diff and findings [default: auto].", case_sensitive=False, show_default=False)]
NoProgress = Annotated[bool, typer.Option("--no-progress", help="Never show a progress bar.")]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Do not print the diff.")]
Format = Annotated[OutputFormat, typer.Option("--output-format", help="text: the diff and findings; json, github, sarif: one machine-readable report on stdout, no diff.", case_sensitive=False)]
Summary = Annotated[Optional[Path], typer.Option("--summary", metavar="FILE.md", help="Also write a Markdown summary of the run, fit for a pull-request description.", dir_okay=False)]
SummaryRef = Annotated[Optional[str], typer.Option("--summary-ref", metavar="REF", help="The commit or branch the summary's links point into, on GitHub (default: GITHUB_SHA).")]
UnsafeFixes = Annotated[Optional[bool], typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that change behaviour; each is reported.", show_default=False)]
StdinFilename = Annotated[Optional[Path], typer.Option("--stdin-filename", metavar="PATH", help="With PATH `-`: the path of the source read on stdin, for messages and excludes.")]
ConfigPath = Annotated[Optional[Path], typer.Option("--config", metavar="PYPROJECT", help="Read [tool.optfix] from this file instead of searching for one.")]
Isolated = Annotated[bool, typer.Option("--isolated", help="Ignore configuration files.")]
ExitZero = Annotated[bool, typer.Option("--exit-zero", help="Exit 0 even when there are changes or findings (2 stays 2).")]
ExitNonZeroOnFix = Annotated[bool, typer.Option("--exit-non-zero-on-fix", help="fix: exit 1 when a file was changed.")]
Statistics = Annotated[bool, typer.Option("--statistics", help="Count the changes and findings of each rule, on stderr.")]
SourceOption = Annotated[Optional[str], typer.Option("--source", metavar="VERSION", help="The version the code was written for: keras-2.2, keras-2.3, tf-keras-2 or tf-1 (default: read from the project's requirements, setup.py, setup.cfg, pyproject.toml, Pipfile or environment.yml). It decides defaults that changed where a call shows no era.", show_default=False)]
ShowSettings = Annotated[bool, typer.Option("--show-settings", help="Print the configuration file read and every setting, then stop.")]


def _command(mode: Mode, summary: str, short: str):
    def command(
        paths: Paths = None,
        select: Select = None,
        ignore: Ignore = None,
        exclude: Exclude = None,
        force_exclude: ForceExclude = None,
        jobs: Jobs = None,
        color: ColorOption = None,
        no_progress: NoProgress = False,
        quiet: Quiet = False,
        unsafe_fixes: UnsafeFixes = None,
        output_format: Format = OutputFormat.TEXT,
        summary_file: Summary = None,
        summary_ref: SummaryRef = None,
        stdin_filename: StdinFilename = None,
        config: ConfigPath = None,
        isolated: Isolated = False,
        extend_select: ExtendSelect = None,
        extend_exclude: ExtendExclude = None,
        exit_zero: ExitZero = False,
        exit_non_zero_on_fix: ExitNonZeroOnFix = False,
        statistics: Statistics = False,
        show_settings: ShowSettings = False,
        source: SourceOption = None,
    ) -> None:
        from optfix import config as configuration
        from optfix.session import UsageError, execute

        given = {
            "paths": tuple(paths or [Path(".")]),
            "select": tuple(select) if select else None,
            "ignore": tuple(ignore) if ignore else None,
            "exclude": tuple(exclude) if exclude else None,
            "force_exclude": force_exclude,
            "jobs": jobs,
            "color": color,
            "progress": False if no_progress else None,
            "quiet": quiet,
            "unsafe_fixes": unsafe_fixes,
            "stdin_filename": stdin_filename,
            "output_format": output_format,
            "summary": summary_file,
            "summary_ref": summary_ref,
            "extend_select": tuple(extend_select) if extend_select else None,
            "extend_exclude": tuple(extend_exclude) if extend_exclude else None,
            "exit_zero": exit_zero or None,
            "exit_non_zero_on_fix": exit_non_zero_on_fix or None,
            "statistics": statistics or None,
            "show_settings": show_settings or None,
            "source": source,
        }
        try:
            if source is not None:
                _check_source(source)
            settings = configuration.settings(mode, given, configuration.load(Path.cwd(), config, isolated))
            code = execute(settings)
        except (UsageError, configuration.ConfigError) as error:
            typer.echo(f"optfix: {error}", err=True)
            code = 2
        raise typer.Exit(code)

    command.__doc__ = summary
    app.command(mode.value, short_help=short)(command)


def _check_source(source: str) -> None:
    from optfix.rulekit.source import check_source
    from optfix.session import UsageError

    try:
        check_source(source)
    except ValueError as error:
        raise UsageError(f"--source {error}") from None


# The short help of each command fits the command list at 80 columns (a longer one is cut).
_command(Mode.DIFF, "Print the changes as a unified diff on stdout; write nothing. Exit 1 if there are any.",
         "Print the changes as a diff; write nothing.")
_command(Mode.FIX, "Rewrite files in place and print the diff applied. Exit 1 if findings need review.",
         "Rewrite files in place; print the diff applied.")
_command(Mode.CHECK, "Write nothing; exit 1 if anything would change or needs review, 0 if not.",
         "Write nothing; exit 1 if anything needs work.")


_VERIFY_HELP = (
    "Run each custom optimizer that get-updates or optimizer-v2 migrates beside its original; exit 1 "
    "unless every one is equal.\n\n"
    "The migration is made in memory (nothing is written). The original class runs on a numpy Keras 2 "
    "backend (get_updates) or on tf_keras (OptimizerV2), the migrated one under Keras 3, both constructed "
    "with no arguments, on the same synthetic gradients (20 steps at two scales, float64); a table gives "
    "each class's largest relative difference and a verdict (equal: at most 1e-6, DIFFERENT, FAILED: "
    "the migration raised, not run: why, not migrated). With --unsafe-fixes, the migrations only those "
    "apply run too (a lazy sparse update, exact on the TensorFlow backend).\n\n"
    "This RUNS YOUR CODE: the modules that define the migrated optimizers are executed. "
    "Needs Keras 3, TensorFlow and tf_keras: the verify extra (from a checkout: pip install '.[verify]')."
)
Backend = Annotated[str, typer.Option("--backend", metavar="tensorflow|jax", help="The Keras 3 backend the migrations run on (jax: the verify-jax extra, pip install '.[verify-jax]' from a checkout).")]


@app.command("verify", help=_VERIFY_HELP, short_help="Run migrated custom optimizers beside their originals.")
def verify(paths: Paths = None, exclude: Exclude = None, backend: Backend = "tensorflow", unsafe_fixes: UnsafeFixes = None) -> None:
    from optfix.verify.command import BACKENDS, execute

    if backend not in BACKENDS:
        typer.echo(f"optfix: --backend must be one of {', '.join(BACKENDS)}, not {backend!r}", err=True)
        raise typer.Exit(2)
    raise typer.Exit(execute(tuple(paths or [Path(".")]), tuple(exclude or ()), backend, bool(unsafe_fixes)))


@app.command("rules")
def list_rules() -> None:
    """List every rule with its id and summary."""
    from optfix.engine.registry import all_rules

    rules = all_rules()
    width = max(len(rule.id) for rule in rules)
    for rule in rules:
        typer.echo(f"{rule.id:<{width}}  {rule.summary()}")


@app.command("explain", short_help="Print a rule's documentation.")
def explain(
    rule: Annotated[Optional[str], typer.Argument(metavar="RULE-ID", help="The rule to explain (`optfix rules` lists them).", show_default=False)] = None,
    every: Annotated[bool, typer.Option("--all", help="Explain every rule.")] = False,
    color: ColorOption = Color.AUTO,
) -> None:
    """Print a rule's documentation: what it does, why, an example, fix safety, known problems."""
    from optfix.explain import explain as print_explanation
    from optfix.session import UsageError

    try:
        print_explanation(rule, every, color)
    except UsageError as error:
        typer.echo(f"optfix: {error}", err=True)
        raise typer.Exit(2) from None


def _version(value: bool) -> None:
    if value:
        typer.echo(f"optfix {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[Optional[bool], typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")] = None,
) -> None:
    pass


_COMPLETE = "_OPTFIX_COMPLETE"


def _accept_click_completion_order() -> None:
    """`_OPTFIX_COMPLETE=bash_source` (Click's order, as its documentation and most tools spell
    it) as well as Typer's `source_bash`."""
    shell, _, instruction = os.environ.get(_COMPLETE, "").partition("_")
    if shell in ("bash", "zsh", "fish", "powershell", "pwsh") and instruction in ("source", "complete"):
        os.environ[_COMPLETE] = f"{instruction}_{shell}"


def main() -> None:
    _accept_click_completion_order()
    app()
