"""Rule `optimizer-name`: misspelled optimizer strings."""

from __future__ import annotations

import re

from optfix.lazy import libcst as cst

from optfix.knowledge.identifiers import REGISTERED, RENAMED, UNSERVED
from optfix.knowledge.namespaces import keras_member
from optfix.rule import Rule

# The prefilter: string literals where this rule looks. A file has work only if one of them is
# not a registered name, so files that spell every optimizer right are never parsed. Each pattern
# starts with a literal, which the regex engine finds fast; the rare context is checked in Python.
_SPACE = rb"(?:\s|#[^\n]*|\\\r?\n)*"  # blanks, comments and line continuations
# One group for the string's body, whichever quote encloses it (the other may appear inside).
_LITERAL = _SPACE + rb"\(?" + _SPACE + rb"""[rRuU]?(?:'((?:[^'\\\r\n]|\\.)*)'|"((?:[^"\\\r\n]|\\.)*)")"""
_KEYWORD_SITE = re.compile(rb"optimizer" + _SPACE + rb"=" + _LITERAL)
_COMPILE_SITE = re.compile(rb"compile" + _SPACE + rb"\(" + _LITERAL)
# `get` or `optimizers` imported under any name, on one line or in parentheses over several.
_GET_IMPORT = re.compile(rb"\b(optimizers|get)\b(?:\s+as\s+(\w+))?")
_GET_ALIAS = re.compile(rb"(\w+)\s*=\s*[\w.]*optimizers\s*\.\s*get\b")
_NOT_KERAS_COMPILE = (b"re.", b"regex.")


_SEPARATORS = re.compile(r"[\s_\-]+")
_CALL_PARENS = re.compile(r"\(\s*\)$")
_SUFFIX = re.compile(r"optimizer$", re.IGNORECASE)


class OptimizerName(Rule):
    """Correct misspelled optimizer names passed to Keras.

    ## What it does
    Checks the optimizer name strings given to Keras: `compile(optimizer='...')`, a string as the
    first positional argument of a model's `compile(...)`, and `keras.optimizers.get('...')` reached
    through any import alias. A misspelling is corrected when exactly one Keras 3 name is within a
    small edit distance (a swap of two neighbouring letters counts as one edit), and so are habits
    such as `'Adam()'`, `' adam '`, `'adam_optimizer'` and the Keras 2.11 names `'experimentaladam'`.

    ## Why
    Keras looks the name up exactly, letter case aside. A slip fails only when the model is compiled,
    after the data is loaded and the model built: `ValueError: Could not interpret optimizer
    identifier: Adgrad`.

    ## Example
        model.compile(optimizer='Adgrad', loss='mse')
    becomes
        model.compile(optimizer='adagrad', loss='mse')

    ## Fix safety
    Safe. The original string names no optimizer, so the code could not run; the fix names the one
    optimizer it can have meant. Valid names in any letter case (`'Adam'`, `'RMSProp'`) are left as
    written, and so is the quote style. When two names are equally close (`'adamx'`: adamax or
    adamw?), or none is close, nothing is rewritten and a finding names the candidates.

    ## Known problems
    Only string literals at these call sites are checked: a name held in a variable, a config dict
    or a command-line flag is not. Strings given to other libraries' optimizer parameters
    (`tflearn.regression(optimizer='momentum')`) are never touched.
    """

    id = "optimizer-name"
    trigger = re.compile(rb"optimizer\s*=\s*[rRuU]?['\"]|compile\s*\(\s*[rRuU]?['\"]|optimizers")

    @classmethod
    def wants(cls, data: bytes) -> bool:
        names = list(_KEYWORD_SITE.finditer(data)) if b"optimizer" in data else []
        if b"compile" in data:
            names += [m for m in _COMPILE_SITE.finditer(data) if not data[: m.start()].endswith(_NOT_KERAS_COMPILE)]
        if b"optimizers" in data:
            names += _get_sites(data)
        return any(_maybe_misspelled(match) for match in names)

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.Call:
        index = self._name_argument(original)
        if index is None:
            return updated
        literal = original.args[index].value
        if not isinstance(literal, cst.SimpleString) or "b" in literal.prefix.lower():
            return updated
        try:
            written = literal.evaluated_value
        except (SyntaxError, ValueError):  # an invalid escape: not a name anyone meant
            return updated
        if written.lower() in REGISTERED:
            return updated
        replacement, message = interpret(written)
        if replacement is None:
            self.report(literal, message)
            return updated
        prefix = literal.value[: len(literal.value) - len(literal.value.lstrip("rRuU"))]  # as written
        new_literal = literal.with_changes(value=f"{prefix}{literal.quote}{replacement}{literal.quote}")
        args = list(updated.args)
        args[index] = args[index].with_changes(value=new_literal)
        return self.rewrite(literal, updated, updated.with_changes(args=args), message)

    def _name_argument(self, call: cst.Call) -> int | None:
        """The index of the argument that holds an optimizer identifier, if this call takes one."""
        imports = self.file.imports
        func = call.func
        if keras_member(imports.qualified_name(func) or _as_written_if_unbound(func, imports)) == "optimizers.get":
            return _argument(call, "identifier", position=0)
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", None)
        if name != "compile":
            return None
        index = _argument(call, "optimizer")
        # Positionally only on a method of an object (`model.compile('adam')`), never on a
        # module's function (`re.compile`) or the builtin `compile(source, ...)`.
        if index is None and isinstance(func, cst.Attribute) and imports.qualified_name(func.value) is None:
            index = _argument(call, None, position=0)
        return index


def _maybe_misspelled(match: re.Match) -> bool:
    body = next((group for group in match.groups() if group is not None), b"")
    # A literal with an escape sequence may still spell a name: let libcst read it.
    return b"\\" in body or body.decode("latin-1").lower() not in REGISTERED


def _get_sites(data: bytes) -> list[re.Match]:
    """String literals given to `optimizers.get` under whatever names the file imports it by."""
    getters = {rb"optimizers" + _SPACE + rb"\." + _SPACE + rb"get"}
    for imported, alias in _GET_IMPORT.findall(data):
        if imported == b"optimizers":
            getters.add(re.escape(alias or b"optimizers") + _SPACE + rb"\." + _SPACE + rb"get")
        else:
            getters.add(re.escape(alias or b"get"))
    getters.update(re.escape(alias) for alias in _GET_ALIAS.findall(data))  # `get_optimizer = keras.optimizers.get`
    site = re.compile(rb"(?:" + b"|".join(sorted(getters)) + rb")" + _SPACE + rb"\(" + _SPACE + rb"(?:identifier" + _SPACE + rb"=)?" + _LITERAL)
    return list(site.finditer(data))


def _as_written_if_unbound(node: cst.BaseExpression, imports) -> str | None:
    """`keras.optimizers.get` in a file that binds no `keras` at all is read as written: the
    code meant the package (and a later `import keras` must not change what this rule does)."""
    parts = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name) and node.value not in imports.bindings and node.value not in imports.rebound:
        return ".".join([node.value, *reversed(parts)])
    return None


def _argument(call: cst.Call, keyword: str | None, position: int | None = None) -> int | None:
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value == keyword:
            return index
    if position is not None and len(call.args) > position:
        arg = call.args[position]
        if arg.keyword is None and not arg.star and all(not a.star for a in call.args[:position]):
            return position
    return None


def interpret(written: str) -> tuple[str | None, str]:
    """For a string Keras does not accept: the corrected string, or None, and what to say."""
    not_a_name = f"'{written}' is not a Keras optimizer name"
    for candidate in _readings(written):
        key = candidate.lower()
        if key in REGISTERED:
            return candidate, f"{not_a_name}: '{candidate}'"
        if key in RENAMED:
            return RENAMED[key], f"'{written}' was removed in Keras 3, where the same optimizer is '{RENAMED[key]}'"
        if key in UNSERVED:
            return None, f"'{written}' {UNSERVED[key]}"
    close = closest_names(candidate.lower())
    if len(close) == 1:
        return close[0], f"{not_a_name}: '{close[0]}'"
    if close:
        return None, f"{not_a_name}; did you mean {_either(close)}? Not changed: ambiguous"
    return None, f"{not_a_name}; Keras 3 knows {', '.join(repr(n) for n in sorted(REGISTERED))}"


def _either(names: list[str]) -> str:
    quoted = [repr(name) for name in names]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]


def _readings(written: str) -> list[str]:
    """What the string can have meant, undoing habits that keep a real name's letters: spaces,
    separators, `()`, a dotted path; then also without an `optimizer` suffix."""
    text = _SEPARATORS.sub("", _CALL_PARENS.sub("", written.strip().rsplit(".", 1)[-1]))
    stripped = _SUFFIX.sub("", text)
    return [text, stripped] if stripped and stripped != text else [text]


def closest_names(key: str) -> list[str]:
    """The registered names nearest to `key`, if within 1 edit (2 for names longer than 4)."""
    limit = 1 if len(key) <= 4 else 2
    distances = {name: edit_distance(key, name) for name in REGISTERED}
    best = min(distances.values())
    if best > limit:
        return []
    return sorted(name for name, distance in distances.items() if distance == best)


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps."""
    previous_row, row = None, list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        before, previous_row, row = previous_row, row, [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(previous_row[j] + 1, row[j - 1] + 1, previous_row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], before[j - 2] + 1)
    return row[len(b)]
