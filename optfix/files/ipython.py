"""What IPython makes of a line that Python cannot read: automagic commands, and the names an
IPython line reads."""

from __future__ import annotations

import keyword
import re

# IPython's line magics and default shell aliases, which it runs without `%` (automagic, on by
# default) when the line is not Python: `cd checkpoints`, `mkdir out`, `pip install x`.
AUTOMAGICS = frozenset({
    "alias", "alias_magic", "autoawait", "autocall", "automagic", "autoreload", "aimport", "bookmark", "cat", "cd",
    "clear", "colors", "conda", "config", "cp", "dhist", "dirs", "doctest_mode", "ed", "edit", "env", "gui", "hist",
    "history", "killbgscripts", "ldir", "less", "lf", "lk", "ll", "load", "load_ext", "loadpy", "logoff", "logon",
    "logstart", "logstate", "logstop", "ls", "lsmagic", "lx", "macro", "magic", "man", "matplotlib", "mamba",
    "micromamba", "mkdir", "more", "mv", "notebook", "page", "pastebin", "pdb", "pdef", "pdoc", "pfile", "pinfo",
    "pinfo2", "pip", "popd", "pprint", "precision", "prun", "psearch", "psource", "pushd", "pwd", "pycat", "pylab",
    "qtconsole", "quickref", "recall", "rehashx", "reload_ext", "rep", "rerun", "reset", "reset_selective", "rm",
    "rmdir", "run", "save", "sc", "set_env", "store", "sx", "system", "tb", "tensorboard", "time", "timeit",
    "unalias", "unload_ext", "who", "who_ls", "whos", "xdel", "xmode",
})
_COMMAND = re.compile(r"([A-Za-z_]\w*)\s+\S")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")


def is_automagic(line: str) -> bool:
    """`cd checkpoints`: a magic's name, then arguments that do not make Python."""
    match = _COMMAND.match(line)
    if match is None or match.group(1) not in AUTOMAGICS:
        return False
    try:
        compile(line, "<cell>", "exec")
    except SyntaxError:
        return True
    return False


def names_read(text: str) -> list[str]:
    """Every identifier in `text` that could be a Python name read (`tf` of `%timeit tf.zeros(3)`
    or of `!echo {tf.__version__}`): more than IPython reads, never less."""
    found = dict.fromkeys(name for name in _IDENTIFIER.findall(text) if not keyword.iskeyword(name) and name.isidentifier())
    return list(found)
