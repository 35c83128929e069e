"""The requirements a conda `environment.yml` declares, as PEP 508 text, read line by line (no
YAML library): the list entries of `dependencies`, in conda's match-spec forms, and the entries
of a `- pip:` sub-list, which are pip's own requirement strings.

Conda forms: `keras=2.2` (a prefix: any 2.2.x), `keras=2.2.4=py36_0` (with a build),
`keras==2.2.4`, `keras>=2.2,<2.4`, `tensorflow-gpu 1.14` (a version after a space, read as the
prefix form), `keras 2.2.4 py36_0`, and any of them after a channel (`conda-forge::keras=2.2.4`).
A form optfix cannot read (`keras 2.2|2.3`) comes out as written, which no requirement parser
accepts: it decides nothing.
"""

from __future__ import annotations

import re

_LIST_ITEM = re.compile(r"^(?P<indent>\s*)-\s+(?P<entry>.*?)(?:\s+#.*)?\s*$")
_CONDA_SPEC = re.compile(r"(?:[^\s:]+::)?(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<rest>.*)")
_VERSION = re.compile(r"[0-9][\w.]*(?:\.\*|\*)?")


def _prefix(name: str, version: str) -> str:
    """Conda's `name=version`: every release that starts with the version."""
    version = version.rstrip(".*")
    return f"{name}=={version}.*" if version.count(".") < 2 else f"{name}=={version}"


def conda_requirement(entry: str) -> str:
    """One conda match spec as PEP 508 text (the entry itself where it is not a form read here)."""
    spec = _CONDA_SPEC.fullmatch(entry)
    if spec is None:
        return entry
    name, rest = spec["name"], spec["rest"].strip()
    if not rest:
        return name
    if rest.startswith("=") and not rest.startswith("=="):
        version = rest[1:].split("=")[0]
        return _prefix(name, version) if _VERSION.fullmatch(version) else entry
    if rest[0] in "<>=!~":
        return name + re.sub(r"\s*,\s*", ",", rest).split()[0]
    version = rest.split()[0]
    return _prefix(name, version) if _VERSION.fullmatch(version) else entry


def environment_requirements(text: str) -> list[tuple[str, str]]:
    """(PEP 508 requirement, as written) for each list entry of the environment; entries of a
    `- pip:` sub-list (those indented deeper than it) are taken as pip writes them."""
    found = []
    pip_indent = None  # the indentation of the `- pip:` item whose sub-list is being read
    for line in text.splitlines():
        item = _LIST_ITEM.match(line)
        if item is None:
            stripped = line.strip()
            if pip_indent is not None and stripped and not stripped.startswith("#") and len(line) - len(line.lstrip()) <= pip_indent:
                pip_indent = None  # a key at the sub-list's level or above ends it
            continue
        indent, entry = len(item["indent"]), item["entry"].strip().strip("'\"")
        if pip_indent is not None and indent <= pip_indent:
            pip_indent = None
        if re.fullmatch(r"pip\s*:", entry):
            pip_indent = indent
        elif pip_indent is not None:
            found.append((entry, entry))
        else:
            found.append((conda_requirement(entry), entry.split("::")[-1]))
    return found
