"""What a built wheel says about itself, and how the documentation tells people to install it."""

from __future__ import annotations

import email
import re
import subprocess
import sys
import zipfile

import yaml

from conftest import REPO

INSTALL_FROM_GIT = re.compile(r'pip install "(optfix\[verify\] @ )?git\+https://github\.com/OWNER/optfix@REV"')


def built_wheel(tmp_path) -> zipfile.ZipFile:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True, cwd=tmp_path)
    [wheel] = tmp_path.glob("optfix-*.whl")
    return zipfile.ZipFile(wheel)


def test_the_wheel_carries_the_license_type_information_and_metadata(tmp_path):
    wheel = built_wheel(tmp_path)
    names = wheel.namelist()
    assert "optfix/py.typed" in names
    [license_file] = [name for name in names if ".dist-info/" in name and name.rsplit("/", 1)[-1] == "LICENSE"]
    assert "MIT License" in wheel.read(license_file).decode() and "the optfix authors" in wheel.read(license_file).decode()
    metadata = email.message_from_bytes(wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))))
    assert "MIT" in (metadata.get("License-Expression") or metadata.get("License") or "")
    classifiers = metadata.get_all("Classifier")
    assert "License :: OSI Approved :: MIT License" in classifiers and "Typing :: Typed" in classifiers
    assert any(c.startswith("Programming Language :: Python :: 3.1") for c in classifiers)
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert {"Homepage", "Issues"} <= set(urls)


def test_no_instruction_installs_optfix_from_a_package_index():
    readme = (REPO / "README.md").read_text()
    workflow = (REPO / "examples" / "github-actions" / "optfix-upgrade.yml").read_text()
    for text in (readme, workflow):
        assert not re.search(r"pip install '?optfix\b(?!\[verify\] @)", text), "optfix is not on a package index"
    assert INSTALL_FROM_GIT.search(workflow)
    assert len(INSTALL_FROM_GIT.findall(readme)) >= 3  # Install (twice) and the Actions snippet


def test_the_pre_commit_snippet_names_no_made_up_release():
    readme = (REPO / "README.md").read_text()
    [snippet] = [block for block in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repos:" in block]
    [repository] = yaml.safe_load(snippet)["repos"]
    assert repository["rev"] == "REV"  # a placeholder the reader fills in, not a tag that may not exist
    assert "pre-commit autoupdate" in readme and "commit hash" in readme
