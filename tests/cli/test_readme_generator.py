"""scripts/generate_readme.py: README.md's rule table is what it makes of the rules' documentation,
and it finds and fixes a stale table."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO
from optfix.engine.registry import all_rules

RULES = all_rules()
GENERATOR = REPO / "scripts" / "generate_readme.py"


def _generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True, timeout=120)


def test_readme_rule_table_is_up_to_date():
    result = _generate("--check")
    assert result.returncode == 0, result.stderr


def test_generator_finds_and_fixes_a_stale_readme(tmp_path):
    readme = tmp_path / "README.md"
    current = (REPO / "README.md").read_text()
    row = f"| `{RULES[0].id}` | {RULES[0].summary()} |"
    assert row in current
    readme.write_text(current.replace(row, f"| `{RULES[0].id}` | an old summary |"))
    stale = _generate("--check", "--readme", str(readme))
    assert stale.returncode == 1
    assert "python scripts/generate_readme.py" in stale.stderr
    assert _generate("--readme", str(readme)).returncode == 0
    assert readme.read_text() == current


def test_generator_refuses_a_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# optfix\n")
    result = _generate("--readme", str(readme))
    assert result.returncode != 0
    assert "rules-table:start" in result.stderr
    assert readme.read_text() == "# optfix\n"
