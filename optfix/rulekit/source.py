"""Which source version a run uses (`--source`, else the project's declared packages), and what
it means for the Keras a call was written for.

A declared range is read as the newest release it allows, as an install resolved it: `keras<2.4`
is Keras 2.3, `tensorflow>=2.4,<2.16` is tf.keras 2. A range that still allows Keras 3 (or
TensorFlow 2.16+, whose tf.keras is Keras 3), such as `keras>=2.2.4`, decides nothing. Different
sources declared together decide nothing either, unless they describe one setup (optfix.knowledge
.sources.COMPATIBLE: standalone Keras 2.2 with TensorFlow 1): then the standalone Keras version.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from optfix.knowledge.sources import COMPATIBLE, KERAS_2_2, KERAS_2_3, PACKAGE_ALIASES, RELEASES, SOURCES, Releases

@dataclass(frozen=True)
class SourceChoice:
    source: str | None  # a key of SOURCES, or None
    reason: str  # why: `--source`, `requirements.txt: keras==2.2.4`, or why none was chosen ("" if nothing was declared)

    def describe(self) -> str:
        if self.source is None:
            return f"no source version ({self.reason})" if self.reason else "no source version"
        return f"source {self.source} ({self.reason})"


def check_source(name: str) -> str:
    """`name` if it is a source version; ValueError saying which are, if not."""
    if name not in SOURCES:
        raise ValueError(f"must be one of {', '.join(map(repr, SOURCES))}, not {name!r}")
    return name


def _normalised(name: str) -> str:
    name = name.lower().replace("_", "-").replace(".", "-")
    return PACKAGE_ALIASES.get(name, name)


def _probes(rows: list[Releases], mentioned: Iterable[str]):
    """Versions to test a specifier against: each row's minors with patches 0-12, and the
    versions the specifier names itself."""
    from packaging.version import InvalidVersion, Version

    versions = set()
    for row in rows:
        first = Version(row.first)
        last = Version(row.last) if row.last else Version(f"{first.major + 1}")
        for major, minor, patch in itertools.product(range(first.major, last.major + 1), range(21), range(13)):
            version = Version(f"{major}.{minor}.{patch}")
            if first <= version < last or (row.last is None and version >= first):
                versions.add(version)
    for text in mentioned:
        try:
            versions.add(Version(text.rstrip(".*")))
        except InvalidVersion:
            pass
    return sorted(versions)


def _row_of(rows: list[Releases], version) -> Releases | None:
    from packaging.version import Version

    return next((row for row in rows if Version(row.first) <= version and (row.last is None or version < Version(row.last))), None)


def source_of(requirement: str) -> tuple[str, str | None, str] | None:
    """For one PEP 508 requirement of a package the rows know: (package, source or None, why
    None); None for other packages, unparsable text, and requirements that say nothing of the version."""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        parsed = Requirement(requirement)
    except InvalidRequirement:
        return None
    package = _normalised(parsed.name)
    rows = [row for row in RELEASES if row.package == package]
    if not rows:
        return None
    if not parsed.specifier:  # any version: decides only for a package that never was Keras 3 (tf_keras)
        sources = {row.source for row in rows}
        return (package, sources.pop(), "") if len(sources) == 1 and None not in sources else None
    allowed = [v for v in _probes(rows, (spec.version for spec in parsed.specifier)) if parsed.specifier.contains(v, prereleases=True)]
    if not allowed:
        return None
    newest, oldest = _row_of(rows, allowed[-1]), _row_of(rows, allowed[0])
    if newest is None:
        return package, None, "a version optfix does not know"
    if newest.source is None and oldest is not None and oldest.source is not None:
        return package, None, f"allows {allowed[0]} and also {newest.first}+, which is Keras 3"
    if newest.source is None:
        return package, None, "Keras 3 already"
    return package, newest.source, ""


def choose(given: str | None, declared: list[tuple[Path, str, str]], root: Path | None = None) -> SourceChoice:
    """The source of a run: `given` (--source or the configuration) if any, else what the
    declarations (file, PEP 508 requirement, as written) agree on."""
    if given:
        return SourceChoice(given, "--source")
    decided: dict[str, list[str]] = {}  # source -> where
    undecided = []
    for file, requirement, written in declared:
        found = source_of(requirement)
        if found is None:
            continue
        where = f"{_shown(file, root)}: {written}"
        package, source, why = found
        if source is None:
            undecided.append(f"{where} {why}")
        else:
            decided.setdefault(source, []).append(where)
    if not decided:
        return SourceChoice(None, "; ".join(undecided))
    sources = set(decided)
    if len(sources) == 1 or (len(sources) == 2 and frozenset(sources) in COMPATIBLE):
        chosen = min(sources, key=lambda s: (s not in (KERAS_2_2, KERAS_2_3), s))
        return SourceChoice(chosen, "; ".join(decided[chosen] + [w for s in sorted(sources - {chosen}) for w in decided[s]]))
    conflict = "; ".join(f"{', '.join(where)} ({source})" for source, where in sorted(decided.items()))
    return SourceChoice(None, f"declarations disagree: {conflict}")


def _shown(file: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return file.relative_to(root).as_posix()
        except ValueError:
            pass
    return file.name
