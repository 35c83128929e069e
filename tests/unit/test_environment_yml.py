"""A conda environment.yml read for the source version: conda's match-spec forms, pip's
sub-lists, and what each decides."""

from __future__ import annotations

from pathlib import Path

import pytest

from optfix.files.declarations import declarations
from optfix.files.environment_yml import conda_requirement, environment_requirements
from optfix.rulekit.source import choose, source_of


@pytest.mark.parametrize("entry, requirement", [
    ("keras=2.2.4", "keras==2.2.4"),
    ("keras=2.2", "keras==2.2.*"),
    ("tensorflow-gpu=1.14.*", "tensorflow-gpu==1.14.*"),
    ("keras=2.2.4=py36_0", "keras==2.2.4"),
    ("conda-forge::keras=2.3.1", "keras==2.3.1"),
    ("keras==2.2.4", "keras==2.2.4"),
    ("tensorflow-gpu 1.14", "tensorflow-gpu==1.14.*"),
    ("keras 2.2.4 py36_0", "keras==2.2.4"),
    ("keras >=2.2, <2.4", "keras>=2.2,<2.4"),
    ("keras", "keras"),
])
def test_conda_match_specs_become_pep_508(entry, requirement):
    assert conda_requirement(entry) == requirement


@pytest.mark.parametrize("entry, source", [
    ("tensorflow-gpu 1.14", "tf-1"),
    ("keras=2.2.4", "keras-2.2"),
    ("keras >=2.2, <2.4", "keras-2.3"),
    ("tensorflow 2.4.1 gpu_py38h", "tf-keras-2"),
])
def test_each_conda_form_decides_its_source(entry, source):
    assert source_of(conda_requirement(entry))[1] == source


def test_a_form_not_read_decides_nothing():
    requirement = conda_requirement("keras 2.2|2.3")
    assert source_of(requirement) is None


ENVIRONMENT = """\
name: train
channels:
  - conda-forge
  - defaults
dependencies:
  - python=3.6
  - tensorflow-gpu 1.14  # the CUDA 10.0 build
  - keras=2.2.4
  - pip
  - pip:
      - h5py == 2.9.0
      - "scikit-learn>=0.20, <0.22"
      - -r requirements-extra.txt
  - numpy 1.16
variables:
  - pip
"""


def test_conda_entries_and_the_pip_sub_list_are_each_read_in_their_own_syntax():
    assert environment_requirements(ENVIRONMENT) == [
        ("conda-forge", "conda-forge"),
        ("defaults", "defaults"),
        ("python==3.6.*", "python=3.6"),
        ("tensorflow-gpu==1.14.*", "tensorflow-gpu 1.14"),
        ("keras==2.2.4", "keras=2.2.4"),
        ("pip", "pip"),
        ("h5py == 2.9.0", "h5py == 2.9.0"),  # pip's syntax: `==` with spaces, kept as written
        ("scikit-learn>=0.20, <0.22", "scikit-learn>=0.20, <0.22"),
        ("-r requirements-extra.txt", "-r requirements-extra.txt"),
        ("numpy==1.16.*", "numpy 1.16"),  # back in the conda list after the sub-list
        ("pip", "pip"),
    ]


def test_a_pip_sub_list_ends_at_a_key_of_its_level():
    text = "dependencies:\n  - pip:\n    - keras==2.2.4\nname: x\n  - keras 2.3\n"
    assert environment_requirements(text) == [("keras==2.2.4", "keras==2.2.4"), ("keras==2.3.*", "keras 2.3")]


def test_an_environment_with_tensorflow_gpu_and_keras_is_standalone_keras_2_2(tmp_path: Path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "environment.yml").write_text(ENVIRONMENT)
    found = [(d.file, d.requirement, d.written) for d in declarations((tmp_path,))]
    chosen = choose(None, found, tmp_path)
    assert (chosen.source, chosen.reason) == ("keras-2.2", "environment.yml: keras=2.2.4; environment.yml: tensorflow-gpu 1.14")
