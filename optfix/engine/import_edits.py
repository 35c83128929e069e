"""The import edits the rules asked for (FileContext.drop_import, add_import,
remove_import_if_unused), made on the module's import statements directly.

They are the edits libcst's AddImportsVisitor and RemoveImportsVisitor make, node for node, in
the same order (drops, then adds, then removals); those visitors deep-copy the module and, for
removals, compute scope metadata over all of it, many times the cost of the parse. Here the
module's import statements are listed by a walk of its statements, and removals are decided by
one walk of the rest that notes where the names in question are read and bound
(optfix.engine.import_uses). Where that cannot decide as libcst would, or an edit falls inside a
block, libcst's visitors make that step instead; `fallbacks` counts why, for the benchmarks.
"""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import libcst as cst
from libcst import parse_statement
from libcst.helpers import get_absolute_module_from_package_for_import

from optfix.analysis.tree import children, code
from optfix.engine import import_visitors as visitors
from optfix.engine.import_uses import survey
from optfix.engine.import_visitors import Request
from optfix.engine.statements import statement_sources
from optfix.rulekit.rule import FileContext

fallbacks: Counter[str] = Counter()  # why libcst's visitors made a step, and how many times


@dataclass
class Edited:
    module: cst.Module
    direct: bool  # every step was made here, not by libcst's visitors (which rebuild every node)


def edit_imports(module: cst.Module, file: FileContext) -> Edited:
    """`module` with the imports the rules asked for in `file` edited in."""
    reasons: list[str] = []
    if file.imports_to_drop:
        module = _step(module, reasons, _drop, visitors.drop, file.imports_to_drop)
    if file.imports_to_add or file.imports_to_remove:
        unread = visitors.unread_package_imports(module, file.imports_to_remove)
        if unread:
            module = _step(module, reasons, _drop, visitors.drop, unread)
        if file.imports_to_add:
            module = _step(module, reasons, _add, visitors.add, file.imports_to_add)
        if file.imports_to_remove:
            remove = functools.partial(_remove, sources=statement_sources(file.module, file.text)) if file.text else _remove
            module = _step(module, reasons, remove, visitors.remove, file.imports_to_remove)
    return Edited(module, not reasons)


def _step(module: cst.Module, reasons: list[str], direct: Callable[[cst.Module, list[Request]], cst.Module | str],
          by_visitors: Callable[[cst.Module, list[Request]], cst.Module], requests: list[Request]) -> cst.Module:
    result = direct(module, requests)
    if isinstance(result, str):  # why it cannot be decided here
        fallbacks[result] += 1
        reasons.append(result)
        return by_visitors(module, requests)
    return result


# --- where the imports are ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Site:
    """An import statement and where it is."""

    node: cst.Import | cst.ImportFrom
    index: int  # of the module-level statement that holds it
    top: bool  # that statement is the simple line it is on
    local: bool  # inside a function or class


_HOLDS_STATEMENTS: dict[type, bool] = {}


def _sites(module: cst.Module, sources: Mapping[int, str] | None = None) -> list[_Site]:
    """Every import statement of `module`, in the order of the code. `sources`: as for `_remove`."""
    found = []
    for index, statement in enumerate(module.body):
        if type(statement) is cst.SimpleStatementLine:
            found += [_Site(small, index, True, False) for small in statement.body
                      if type(small) is cst.Import or type(small) is cst.ImportFrom]
            continue
        if sources and "import" not in sources.get(id(statement), "import"):
            continue  # every import statement spells the keyword
        stack = [(statement, False)]
        while stack:
            node, local = stack.pop()
            kind = type(node)
            if kind is cst.Import or kind is cst.ImportFrom:
                found.append(_Site(node, index, False, local))
                continue
            holds = _HOLDS_STATEMENTS.get(kind)
            if holds is None:
                holds = _HOLDS_STATEMENTS[kind] = isinstance(node, (cst.BaseStatement, cst.BaseSuite, cst.ExceptHandler,
                                                                    cst.ExceptStarHandler, cst.Else, cst.Finally, cst.MatchCase))
            if holds:
                inner = local or kind is cst.FunctionDef or kind is cst.ClassDef
                stack.extend(reversed([(child, inner) for child in children(node)]))
    return found


def _aliases(node: cst.Import | cst.ImportFrom) -> tuple[cst.ImportAlias, ...]:
    return () if isinstance(node.names, cst.ImportStar) else node.names


def _bound_name(node: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> str:
    if type(node) is cst.Import:
        return alias.evaluated_alias or alias.evaluated_name.split(".")[0]
    return alias.evaluated_alias or alias.evaluated_name


def _with_lines(module: cst.Module, edits: dict[int, dict[int, cst.BaseSmallStatement | None]]) -> cst.Module:
    """`module` with small statements of its module-level lines replaced: `edits` maps a line's
    index to {id of a small statement: its replacement, or None to remove it}. A line left with
    nothing goes, with the lines above it, as it goes when libcst's visitors remove its statement."""
    body = list(module.body)
    for index, replacements in edits.items():
        line = body[index]
        kept = [replacements.get(id(small), small) for small in line.body]
        kept = [small for small in kept if small is not None]
        body[index] = line.with_changes(body=kept) if kept else None
    return module.with_changes(body=[line for line in body if line is not None])


# --- drops: `from module import name`, whose reads a rule rewrote ------------------------------

def _drop(module: cst.Module, drops: list[Request]) -> cst.Module | str:
    wanted = set(drops)
    edits: dict[int, dict[int, cst.BaseSmallStatement | None]] = defaultdict(dict)
    for site in _sites(module):
        node = site.node
        if site.local or type(node) is not cst.ImportFrom or isinstance(node.names, cst.ImportStar):
            continue
        name = "." * len(node.relative) + (code(node.module) if node.module else "")
        kept = [alias for alias in node.names if (name, alias.evaluated_name, alias.evaluated_alias) not in wanted]
        if len(kept) == len(node.names):
            continue
        if not site.top:
            return "drop: an import inside a block"
        edits[site.index][id(node)] = (
            node.with_changes(names=[*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]) if kept else None)
    return _with_lines(module, edits) if edits else module


# --- adds, as AddImportsVisitor makes them ----------------------------------------------------

def _add(module: cst.Module, additions: list[Request]) -> cst.Module | str:
    """libcst's AddImportsVisitor reads and extends only the module's first block of import lines
    (after a docstring or a `__strict__` flag): the new imports go at its end."""
    if any(name.startswith(".") or name == "__future__" for name, _, _ in additions):
        return "add: a relative or __future__ import"
    plain_modules = {name for name, obj, alias in additions if obj is None and alias is None}
    objects = {name: {obj for other, obj, alias in additions if other == name and obj is not None and alias is None}
               for name in sorted({name for name, obj, alias in additions if obj is not None and alias is None})}
    module_aliases = {name: alias for name, obj, alias in additions if obj is None and alias is not None}
    object_aliases = {name: [(obj, alias) for other, obj, alias in additions if other == name and obj is not None and alias is not None]
                      for name in sorted({name for name, obj, alias in additions if obj is not None and alias is not None})}
    start = 1 if module.body and (_is_strict_flag(module.body[0]) or _is_docstring(module.body[0])) else 0
    end = start
    while end < len(module.body) and _is_import_line(module.body[end]):
        end += 1
    block = [module.body[index].body[0] for index in range(start, end)]
    _discount_present(block, plain_modules, objects, module_aliases, object_aliases)
    body = list(module.body)
    for index, node in enumerate(block, start):  # the first `from m import ...` of a module takes its new names
        if type(node) is not cst.ImportFrom or isinstance(node.names, cst.ImportStar):
            continue
        name = get_absolute_module_from_package_for_import(None, node)
        if name is None or (name not in objects and name not in object_aliases):
            continue
        new = [*(cst.ImportAlias(name=cst.Name(obj)) for obj in sorted(objects.pop(name, ()))),
               *(cst.ImportAlias(name=cst.Name(obj), asname=cst.AsName(name=cst.Name(alias)))
                 for obj, alias in sorted(object_aliases.pop(name, ())))]
        body[index] = body[index].with_changes(body=[node.with_changes(names=[*new, *node.names])])
    if not (plain_modules or objects or module_aliases or object_aliases):
        return module.with_changes(body=body) if body != list(module.body) else module
    from_imports = defaultdict(list)
    for name, pairs in object_aliases.items():
        from_imports[name].extend(pairs)
    for name, names in objects.items():
        from_imports[name].extend((obj, None) for obj in names)
    config = module.config_for_parsing
    new_lines = [
        *(parse_statement(f"import {name}", config=config) for name in sorted(plain_modules)),
        *(parse_statement(f"import {name} as {alias}", config=config) for name, alias in module_aliases.items()),
        *(parse_statement(f"from {name} import " + ", ".join(obj if alias is None else f"{obj} as {alias}" for obj, alias in sorted(pairs)),
                          config=config) for name, pairs in from_imports.items()),
    ]
    return module.with_changes(body=[*body[:end], *new_lines, *_spaced(body[end:])])


def _is_import_line(statement: cst.BaseStatement) -> bool:
    return (type(statement) is cst.SimpleStatementLine and len(statement.body) == 1
            and type(statement.body[0]) in (cst.Import, cst.ImportFrom))


def _discount_present(block: list[cst.Import | cst.ImportFrom], plain_modules: set[str], objects: dict[str, set[str]],
                      module_aliases: dict[str, str], object_aliases: dict[str, list[tuple[str, str]]]) -> None:
    """Leave out of the additions what the block of imports has already, as AddImportsVisitor judges it."""
    present_modules: set[str] = set()
    present_objects: dict[str, set[str]] = {}
    present_module_aliases: dict[str, str] = {}
    present_object_aliases: dict[str, list[tuple[str, str]]] = {}
    for node in block:
        if type(node) is cst.Import:
            for alias in node.names:
                if alias.evaluated_alias is not None:
                    present_module_aliases[alias.evaluated_name] = alias.evaluated_alias
                else:
                    present_modules.add(alias.evaluated_name)
            continue
        name = get_absolute_module_from_package_for_import(None, node)
        if name is None:
            continue
        if isinstance(node.names, cst.ImportStar):
            present_objects[name] = {"*"}
            continue
        pairs = [(alias.evaluated_name, alias.evaluated_alias) for alias in node.names if alias.asname is not None]
        if pairs:
            present_object_aliases.setdefault(name, []).extend(pairs)
        plain = {alias.evaluated_name for alias in node.names if alias.asname is None}
        if plain:
            present_objects.setdefault(name, set())
            if "*" in present_objects[name]:
                present_objects[name] = {"*"}
                continue
            present_objects[name].update(plain)
    plain_modules -= present_modules
    for name, alias in present_module_aliases.items():
        if name in module_aliases and module_aliases[name] == alias:
            del module_aliases[name]
    for name, pairs in present_object_aliases.items():
        for pair in pairs:
            if name in object_aliases and pair in object_aliases[name]:
                object_aliases[name].remove(pair)
                if not object_aliases[name]:
                    del object_aliases[name]
    for name, names in present_objects.items():
        if name not in objects:
            continue
        if "*" in names:
            del objects[name]
            continue
        objects[name] = objects[name] - names
        if not objects[name]:
            del objects[name]


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr) and isinstance(statement.body[0].value, cst.SimpleString))


def _is_strict_flag(statement: cst.BaseStatement) -> bool:
    if not (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1 and isinstance(statement.body[0], cst.Assign)):
        return False
    targets = statement.body[0].targets
    return len(targets) == 1 and isinstance(targets[0].target, cst.Name) and targets[0].target.value == "__strict__"


def _spaced(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """At least one empty line between the new imports and the statement after them."""
    if not statements:
        return statements
    first = statements[0]
    if not first.leading_lines:
        return [first.with_changes(leading_lines=(cst.EmptyLine(),)), *statements[1:]]
    if first.leading_lines[0].comment is None:
        return statements
    return [first.with_changes(leading_lines=(cst.EmptyLine(), *first.leading_lines)), *statements[1:]]


# --- removals of imports no longer used, as RemoveImportsVisitor decides them -------------------

def _remove(module: cst.Module, removals: list[Request], sources: Mapping[int, str] | None = None) -> cst.Module | str:
    """`module` without the imports of `removals` that nothing reads; `sources`: the source code
    of the original module's statements, by their id (those the rewrite left alone are `module`'s)."""
    rounds = visitors.removal_rounds(removals)
    if len(rounds) > 1:
        return "remove: a module imported both with and without an alias"
    unused_modules = {visitors.absolute(name): alias for name, obj, alias in rounds[0] if obj is None}
    unused_objects: dict[str, set[tuple[str, str | None]]] = defaultdict(set)
    for name, obj, alias in rounds[0]:
        if obj is not None:
            unused_objects[visitors.absolute(name)].add((obj, alias))
    sites = _sites(module, sources)
    candidates = [(site, alias) for site in sites for alias in _requested(site.node, unused_modules, unused_objects)]
    names = {_bound_name(site.node, alias) for site, alias in candidates}
    uses = survey(module, names, _typing_names(sites), sources)
    if uses.unsure:
        return f"remove: {uses.unsure}"
    doomed = []
    for name in names:
        group = [(site, alias) for site, alias in candidates if _bound_name(site.node, alias) == name]
        if name in uses.in_strings:
            return "remove: the name in a string libcst reads as code or names"
        if name not in uses.seen:  # no reads: libcst removes every import of it asked for
            if not all(site.top for site, _ in group):
                return "remove: an import inside a block"
            doomed += group
            continue
        # Read somewhere: in use for libcst if a read follows a module-level import of it, and
        # nothing else binds it, so that every read is one of that import.
        if name in uses.bound:
            return "remove: the name is also bound otherwise"
        if any(alias.asname is None and alias.evaluated_name.startswith(f"{name}.")
               for site in sites if type(site.node) is cst.Import for alias in site.node.names):
            return "remove: a dotted import"  # libcst counts `name.x.y` as a read of `import name.x`, not of `name`
        binders = [site for site in sites for alias in _aliases(site.node) if _bound_name(site.node, alias) == name]
        if any(site.local for site in binders):
            return "remove: the name is imported in a function or class"
        if uses.seen[name][-1] <= min(site.index for site in binders):
            return "remove: read only before or beside its import"
    return _without(module, doomed)


def _requested(node: cst.Import | cst.ImportFrom, unused_modules: dict[str, str | None],
               unused_objects: dict[str, set[tuple[str, str | None]]]) -> list[cst.ImportAlias]:
    """The aliases of `node` that RemoveImportsVisitor is asked to remove if unused."""
    if type(node) is cst.Import:
        return [alias for alias in node.names if alias.evaluated_name in unused_modules
                and alias.evaluated_alias == unused_modules[alias.evaluated_name]]
    if isinstance(node.names, cst.ImportStar) or node.module is None:  # libcst keeps `from . import x`
        return []
    if type(node.module) is cst.Name and node.module.value == "__future__":
        return []
    wanted = unused_objects.get(get_absolute_module_from_package_for_import(visitors.PACKAGE, node), ())
    return [alias for alias in node.names if (alias.evaluated_name, alias.evaluated_alias) in wanted]


def _typing_names(sites: list[_Site]) -> dict[str, set[str]]:
    """The names imports bind to typing or typing_extensions, or to something in them."""
    found: dict[str, set[str]] = defaultdict(set)
    for site in sites:
        node = site.node
        if type(node) is cst.Import:
            for alias in node.names:
                if alias.evaluated_name.split(".")[0] in ("typing", "typing_extensions"):
                    found[_bound_name(node, alias)].add(alias.evaluated_name)
        elif node.module is not None and not node.relative and code(node.module) in ("typing", "typing_extensions"):
            for alias in _aliases(node):
                found[_bound_name(node, alias)].add(f"{code(node.module)}.{alias.evaluated_name}")
    return found


def _without(module: cst.Module, doomed: list[tuple[_Site, cst.ImportAlias]]) -> cst.Module:
    """`module` without the aliases `doomed`, each statement edited as RemoveImportsVisitor edits it."""
    if not doomed:
        return module
    gone = {id(alias) for _, alias in doomed}
    edits: dict[int, dict[int, cst.BaseSmallStatement | None]] = defaultdict(dict)
    for site, _ in doomed:
        node = site.node
        edits[site.index][id(node)] = _import_without(node, gone) if type(node) is cst.Import else _from_import_without(node, gone)
    return _with_lines(module, edits)


def _import_without(node: cst.Import, gone: set[int]) -> cst.Import | None:
    kept = [alias for alias in node.names if id(alias) not in gone]
    if not kept:
        return None
    if kept[-1] is not node.names[-1]:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=kept)


def _from_import_without(node: cst.ImportFrom, gone: set[int]) -> cst.ImportFrom | None:
    """The comments after a removed alias's comma move to the alias before it, or after `(`."""
    changes = {}
    kept: list[cst.ImportAlias] = []
    for alias in node.names:
        if id(alias) not in gone:
            kept.append(alias)
            continue
        comma = alias.comma
        if not isinstance(comma, cst.Comma):
            continue
        if kept:
            previous = kept[-1]
            if isinstance(previous.comma, cst.Comma):
                kept[-1] = previous.with_deep_changes(
                    previous.comma, whitespace_after=_merged(previous.comma.whitespace_after, comma.whitespace_after))
            else:
                kept[-1] = previous.with_changes(comma=comma)
        elif isinstance(node.lpar, cst.LeftParen):
            changes["lpar"] = node.lpar.with_changes(whitespace_after=_merged(node.lpar.whitespace_after, comma.whitespace_after))
    if not kept:
        return None
    if kept[-1] is not node.names[-1]:
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(names=kept, **changes)


def _merged(left: cst.BaseParenthesizableWhitespace, right: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
    if not isinstance(right, cst.ParenthesizedWhitespace):
        return left
    if not isinstance(left, cst.ParenthesizedWhitespace):
        return right
    return left.with_changes(empty_lines=tuple(line for line in right.empty_lines if line.comment is not None))
