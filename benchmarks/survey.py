"""How much legacy optimizer code in old releases optfix rewrites, reports, or passes over silently.

    python benchmarks/survey.py --cache DIR [--show silent|rewritten|reported|all] [--only NAME]

Downloads each release below (pip download --no-deps; sdists are unpacked, never built), finds
every legacy optimizer site with the survey's own scan (`survey_scan.py`), runs
`optfix diff --output-format json` once per release from the release's own folder (so that optfix
reads its declarations), and prints per release: sites, rewritten, reported, silent and the source
version optfix used, then the silent sites themselves. Outside CI: it needs the package index.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from survey_scan import classify, scan  # noqa: E402

RELEASES = [  # Keras 2, tf.keras 2 and TensorFlow 1 code from 2017-2022
    "keras-rl==0.4.2", "keras-vis==0.4.1", "hyperas==0.4.1", "talos==0.6.7", "elephas==0.4.3",
    "keras-tuner==1.0.1", "autokeras==1.0.2", "kashgari==1.1.5", "deepctr==0.8.3", "spektral==0.6.2",
    "keras-retinanet==0.5.1", "mrcnn==0.2", "keras-bert==0.80.0", "keras-gpt-2==0.15.0",
    "keras-xlnet==0.19.0", "keras-tcn==3.1.0", "textgenrnn==1.4.1", "ISR==2.2.0", "imageai==2.1.5",
    "stable-baselines==2.10.2", "tensorlayer==2.2.5", "tflearn==0.5.0", "tensorforce==0.5.5",
    "ludwig==0.2.2", "trfl==1.1.0", "neural-structured-learning==1.1.0", "gpflow==1.5.1",
    "tensor2tensor==1.15.7", "baselines==0.1.5", "tensorpack==0.9.8", "gpt-2-simple==0.7.1",
    "dopamine-rl==2.0.5", "ktrain==0.10.0", "deeppavlov==0.8.0", "keras-adamw==1.38", "bert4keras==0.7.9",
    "keras-lr-finder==0.1", "dm-sonnet==1.35", "cleverhans==3.0.1", "rasa-nlu==0.15.1", "innvestigate==1.0.8",
    "adversarial-robustness-toolbox==1.0.0", "deepreplay==0.1.2a2", "dltk==0.2.1", "keras-ocr==0.8.5",
    "deepposekit==0.3.9", "keras==2.2.4 --no-binary=:all:",  # the sdist: with its examples/
]
ONLY = {"keras==2.2.4": "examples/"}  # Keras's own examples, not the library itself
# What a release was written for, passed as `--source` where optfix has that option: nothing in
# the examples' files shows that `optimizer='rmsprop'` or `Adadelta()` meant Keras 2.2's defaults.
# ART 1.0.0 (June 2019, before Keras 2.3) declares `keras` without a version, for its tests only.
SOURCE = {"keras==2.2.4": "keras-2.2", "innvestigate==1.0.8": "keras-2.2", "adversarial-robustness-toolbox==1.0.0": "keras-2.2"}


def download(release: str, cache: Path) -> Path:
    """The release's archive (`name==version`, then any pip options), downloaded once into `cache`."""
    requirement, *options = release.split()
    folder = cache / requirement.replace("==", "-")
    if not folder.is_dir() or not any(folder.iterdir()):
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *options, "-d", str(folder), requirement], check=True)
    [archive] = folder.iterdir()
    return archive


def unpack(archive: Path, into: Path, only: str = "") -> None:
    """The release's Python files and dependency declarations (what optfix may read the source
    version from), paths kept; docs/ left out, and all but the folder `only`, if given."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            members = {name: wheel.read(name) for name in wheel.namelist() if _wanted(name)}
    else:
        with tarfile.open(archive) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile() and _wanted(m.name)}
    for name, data in members.items():
        if "/docs/" not in f"/{name}" and (f"/{only}" in f"/{name}" or not name.endswith(".py")):
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            (into / name).write_bytes(data)


def _wanted(name: str) -> bool:
    base = Path(name).name
    return base.endswith(".py") or base.startswith("requirements") or base in {"setup.cfg", "pyproject.toml", "Pipfile", "environment.yml", "METADATA"}


def release_root(folder: Path) -> Path:
    """Where the release's project starts: an sdist's one top folder, else the unpacked folder
    (optfix looks for the project's declarations from there up)."""
    entries = list(folder.iterdir())
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder


def optfix_records(folder: Path, source: str | None = None) -> tuple[dict[str, list[dict]], str]:
    """optfix's changes and findings, by path relative to the folder, and the source version it
    used (`-`: none)."""
    optfix = str(Path(sys.executable).parent / "optfix")
    command = [optfix, "diff", "--output-format", "json", "--isolated", "--no-progress", "--exit-zero", "."]
    if source and "--source" in subprocess.run([optfix, "diff", "--help"], capture_output=True, text=True).stdout:
        command += ["--source", source]
    run = subprocess.run(command, cwd=folder, capture_output=True)
    if run.returncode not in (0, 2):  # 2: some files could not be parsed (Python 2 files; the scan skips them too)
        raise RuntimeError(run.stderr.decode())
    output = json.loads(run.stdout)
    by_path: dict[str, list[dict]] = {}
    for record in output["results"]:
        by_path.setdefault(str(Path(record["path"])), []).append(record)
    return by_path, (output.get("source") or {}).get("version") or "-"


def survey(requirement: str, cache: Path) -> tuple[list[tuple[str, int, tuple[str, ...], str]], str]:
    """(path, line, kinds, outcome) for each legacy site of the release, and the source version
    optfix used."""
    with tempfile.TemporaryDirectory() as temp:
        unpack(download(requirement, cache), Path(temp), ONLY.get(requirement.split()[0], ""))
        folder = release_root(Path(temp))
        records, source = optfix_records(folder, SOURCE.get(requirement.split()[0]))
        rows = []
        for path in sorted(folder.rglob("*.py")):
            relative = str(path.relative_to(folder))
            try:
                sites = scan(path.read_text(encoding="utf-8", errors="replace"))
            except SyntaxError:  # Python 2 files: optfix cannot parse them either
                continue
            rows += [(relative, s.line, s.kinds, classify(s, records.get(relative, []))) for s in sites]
        return rows, source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True, help="folder for the downloaded releases")
    parser.add_argument("--show", choices=["silent", "rewritten", "reported", "all"], default="silent")
    parser.add_argument("--only", action="append", help="survey only releases whose requirement contains this")
    args = parser.parse_args()
    total: Counter = Counter()
    listed = []
    print(f"{'release':32} {'sites':>5} {'rewritten':>9} {'reported':>8} {'silent':>6}  source")
    for requirement in RELEASES:
        if args.only and not any(part in requirement for part in args.only):
            continue
        rows, source = survey(requirement, args.cache)
        counts = Counter(outcome for *_, outcome in rows)
        total.update(counts)
        total["sites"] += len(rows)
        print(f"{requirement.split()[0]:32} {len(rows):5} {counts['rewritten']:9} {counts['reported']:8} {counts['silent']:6}  {source}")
        listed += [(requirement.split()[0], *row) for row in rows if args.show in ("all", row[3])]
    print(f"{'total':32} {total['sites']:5} {total['rewritten']:9} {total['reported']:8} {total['silent']:6}")
    for requirement, path, line, kinds, outcome in listed:
        print(f"{outcome:9} {requirement} {path}:{line} {','.join(kinds)}")


if __name__ == "__main__":
    main()
