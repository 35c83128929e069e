"""The contract between the engine and a rule.

A rule is a class in `optfix.codemods` (the repository's `codemods/`; optfix.engine.registry). Its
docstring is its documentation, its first line the summary. It declares an `id` and defines
`wants`, a test on a file's bytes, and may refine it with `relevant`, a test on the file's `ast`:
files that no selected rule wants are never parsed with libcst. Handlers are methods named like libcst's, `visit_<Node>(node)` and
`leave_<Node>(original, updated)`; the engine runs the handlers of every selected rule in one
traversal of the tree, in registry order. A rule changes the tree only by returning what
`rewrite()` gives it (a file where no rewrite was applied is not regenerated), and reports only
through `report()`: both leave alone a node that spans a line with an `# optfix: ignore`
comment for the rule (optfix.analysis.suppressions). Rules never edit
import lines: they ask the file for imports to add or to remove if unused, and the engine
reconciles them once at the end.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from optfix.findings import Kind
from optfix.rulekit.docstrings import sections

if TYPE_CHECKING:
    import libcst

    from optfix.analysis.imports import ImportTable
    from optfix.analysis.suppressions import Suppressions
    from optfix.rulekit.run_files import RunFiles


@dataclass(frozen=True)
class Note:
    rule: str
    node: libcst.CSTNode
    message: str
    kind: Kind
    unsafe_fix: bool = False


@dataclass(frozen=True)
class FixOptions:
    """What the user decided about fixes, the same for every file of a run."""

    unsafe_fixes: bool = False  # apply fixes that change behaviour
    keras_import: str = "keras"  # how add_keras_import() writes the import: "keras" or "tensorflow"
    source: str | None = None  # the version the code was written for (optfix.knowledge.sources), None: unknown
    run: RunFiles | None = None  # the files of the run, where the engine knows them (not for code given on stdin)


@dataclass
class FileContext:
    """What rules share about the file being rewritten."""

    module: libcst.Module
    text: str = ""
    options: FixOptions = FixOptions()
    suppressions: Suppressions | None = None
    path: Path | None = None  # the file's, where it has one: imports of the project's modules are followed from it
    notes: list[Note] = field(default_factory=list)
    era_dependent: int = 0  # calls whose defaults differ between the Keras versions, left as they are: no source decides them
    imports_to_add: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    imports_to_remove: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    imports_to_drop: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    _imports: ImportTable | None = None
    _keras_name: str | None = None
    # The ids of the rules run on this file: a rule that leaves a case to another rule reports it
    # itself where that one does not run (not selected, or ignored).
    rules: frozenset[str] = frozenset()

    @property
    def imports(self) -> ImportTable:
        if self._imports is None:
            from optfix.analysis.imports import ImportTable

            self._imports = ImportTable.of(self.module, self.text or None, self.path)
        return self._imports

    def keras_reference(self, member: str, namespace: libcst.BaseExpression | None = None) -> tuple[libcst.BaseExpression, bool]:
        """`keras.<member>` in the file's own terms (`import keras`, `from tensorflow import keras`,
        `from keras import optimizers`), and whether `add_keras_import()` must be called for it.
        `namespace`, an expression that reaches Keras as the code at hand does (`tf.keras` of
        `tf.keras.optimizers.Adam(...)`), is used first: the member is then written beside it."""
        import libcst

        if namespace is not None:
            reference = namespace.deep_clone()
            for part in member.split("."):
                reference = libcst.Attribute(reference, libcst.Name(part))
            return reference, False
        base = self.imports.name_for("keras", "tensorflow.keras")
        if base is not None:
            return libcst.parse_expression(f"{base}.{member}"), False
        package, _, rest = member.partition(".")
        alias = self.imports.name_for(f"keras.{package}", f"tensorflow.keras.{package}") if rest else None
        if alias is not None:
            return libcst.parse_expression(f"{alias}.{rest}"), False
        return libcst.parse_expression(f"{self.keras_name}.{member}"), True

    @property
    def keras_name(self) -> str:
        """The name `add_keras_import()` binds Keras to: `keras`, unless the file binds that name to
        something else (`from keras_bert.backend import keras`, a parameter): an added import must
        not rebind it. Then a name the file does not use, such as `keras3`."""
        if self._keras_name is None:
            imports = self.imports

            def free(name: str) -> bool:
                if name in imports.bindings or name in imports.rebound:
                    return False
                return name == "keras" or re.search(rf"\b{name}\b", self.text) is None

            names = itertools.chain(["keras", "keras3"], (f"keras3_{i}" for i in itertools.count(1)))
            self._keras_name = next(name for name in names if free(name))
        return self._keras_name

    def add_keras_import(self, name: str | None = None) -> None:
        """The import a reference from `keras_reference` needs: `import keras`, or with the
        keras-import setting "tensorflow", `from tensorflow import keras`; binding `name` if given
        (a rule that frees a name by removing its import), `keras_name` if not."""
        name = name or self.keras_name
        alias = None if name == "keras" else name
        if self.options.keras_import == "tensorflow":
            self.add_import("tensorflow", "keras", alias)
        else:
            self.add_import("keras", None, alias)

    def use_keras(self, needs_import: bool, replaced: libcst.CSTNode | None = None, name: str | None = None) -> None:
        """The imports of a rewrite that put a reference from `keras_reference` where `replaced` (a
        Name or Attribute chain) was: Keras's, if the reference needs it (`needs_import`; `name` as
        for add_keras_import), and the one `replaced` came through, removed if nothing else reads
        it. Called once the rewrite is applied."""
        if needs_import:
            self.add_keras_import(name)
        origin = self.imports.head_origin(replaced) if replaced is not None else None
        if origin is not None:
            self.remove_import_if_unused(*origin)

    def suppressed(self, rule: str, node: libcst.CSTNode) -> bool:
        return self.suppressions is not None and self.suppressions.covers(rule, node)

    def add_import(self, module: str, name: str | None = None, alias: str | None = None) -> None:
        self.imports_to_add.append((module, name, alias))

    def remove_import_if_unused(self, module: str, name: str | None = None, alias: str | None = None) -> None:
        self.imports_to_remove.append((module, name, alias))

    def drop_import(self, module: str, name: str, alias: str | None = None) -> None:
        """Remove `from module import name [as alias]` though its name is still read: the rule
        rewrote every read of it to mean another import of the same name."""
        self.imports_to_drop.append((module, name, alias))


class Rule:
    id: ClassVar[str]

    def __init__(self, file: FileContext) -> None:
        self.file = file

    @classmethod
    def wants(cls, data: bytes) -> bool:
        """The prefilter, which every rule defines: may a file with these bytes have work for this
        rule? It must never say no where the rule would act (yes where it would not only costs a
        parse), and it runs on every file, so substring tests (`b"optimizers" in data`) go before
        patterns."""
        raise NotImplementedError(f"{cls.__name__} must define wants(data)")

    @classmethod
    def relevant(cls, tree: ast.Module) -> bool:
        """The second stage, on the `ast` of a file the prefilter let through (about a seventh of
        a libcst parse): may the rule have work in it? The same promise as `wants`. By default: yes."""
        return True

    def anchors(self, chains: Sequence[tuple[str, ...]]) -> frozenset[str] | None:
        """The names without which a statement holds nothing this rule acts on, reads or notes,
        given `chains`, every Name and Attribute chain of the file's code (`a.b.c` as ('a', 'b',
        'c'), its inner chains too). The rules' pass (optfix.engine.statements) passes over the
        top-level statements, and the statements of a class's or function's body whose header
        holds none, that hold no anchor of any active rule nor a name such a statement reads:
        a rule that names anchors keeps no state across statements but through the names its
        sites read. By default None: the rule visits every statement."""
        return None

    def reads_beyond_visits(self, tree: ast.Module) -> frozenset[str] | None:
        """What the rule reads of the module beyond the statements the rules' pass visits it in,
        given the file's `ast`: the names of the top-level classes and functions it reads whole,
        wherever it is (looked up by name) or whenever it visits them in part (frozenset():
        none). Where every active rule answers, the statements no rule visits are not parsed with
        libcst (optfix.engine.partial). By default None: any part of the module."""
        return None

    def names_carrying_state(self, tree: ast.Module) -> frozenset[str] | None:
        """The names through which the rule carries what it notes at one statement to a site in
        another (a name assigned in one statement and read back at a site; a name bound to a build
        in one and given to `compile` in another), given the file's `ast`. Where every active rule
        answers, the rules' pass visits, of the statements it would visit only because they spell
        a name the visited ones read (see `anchors`), those that spell one of these names. By
        default None: any name such a statement spells."""
        return None

    @classmethod
    def summary(cls) -> str:
        return inspect.getdoc(cls).splitlines()[0]

    @classmethod
    def documentation(cls) -> str:
        return inspect.getdoc(cls)

    @classmethod
    def section(cls, title: str) -> str | None:
        """The text of the documentation's section `title` (one of docstrings.SECTIONS), or None."""
        return sections(cls.documentation()).get(title)

    def report(self, node: libcst.CSTNode, message: str, *, unsafe_fix: bool = False) -> None:
        """A finding for a person to review, located at `node` of the original tree."""
        if self.file.suppressed(self.id, node):
            return
        self.file.notes.append(Note(self.id, node, message, Kind.REVIEW, unsafe_fix))

    def rewrite(self, original: libcst.CSTNode, updated: Any, replacement: Any, message: str, *, safe: bool = True) -> Any:
        """Return the node to put in the tree: `replacement` when the fix may be applied.

        A fix that changes behaviour (`safe=False`) is applied only with --unsafe-fixes;
        otherwise it becomes a finding that says what the fix would change. Where `original`
        spans a line suppressed for this rule, `updated` is returned, with no finding.
        """
        if self.file.suppressed(self.id, original):
            return updated
        if safe or self.file.options.unsafe_fixes:
            # unsafe_fix on a change: it was applied under --unsafe-fixes (the reports say so).
            self.file.notes.append(Note(self.id, original, message, Kind.CHANGE, not safe))
            return replacement
        self.report(original, message, unsafe_fix=True)
        return updated
