"""TensorFlow imported only where update_step reads an embedding's rows.

Keras 3 hands update_step a tf.IndexedSlices on the TensorFlow backend only; on JAX and torch the
gradient is dense. Where update_step reads TensorFlow only in its branches for a tf.IndexedSlices
(`if isinstance(gradient, tf.IndexedSlices):`), they go under
`if keras.backend.backend() == "tensorflow":`, which imports TensorFlow there, as the file
imported it: the module then runs without TensorFlow where the dense path is the only one. A
branch with an `else:` (the dense statements) returns at its end, the dense statements after it.
Where TensorFlow is read elsewhere in update_step, or the file imports it otherwise than as a
module, the branches stay as they are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from optfix.analysis.tree import descendants
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import flat

if TYPE_CHECKING:
    from optfix.codemods.optimizer_v2.migration import Migration


def local_tensorflow(migration: Migration, lines: list[cst.BaseStatement], gradient: str) -> list[cst.BaseStatement]:
    """update_step's statements, its tf.IndexedSlices branches under the backend guard."""
    imports = migration.file.imports
    tf = imports.name_for("tensorflow", "tensorflow.compat.v2")
    origin = imports.origins.get(tf) if tf is not None else None
    if origin is None or origin[1] is not None or origin[0] not in ("tensorflow", "tensorflow.compat.v2"):
        return lines
    branches = [line for line in lines if is_rows_test(line, gradient, tf)]
    inside = {id(node) for branch in branches for node in descendants(branch.test, cst.Name)}
    inside |= {id(node) for branch in branches for node in descendants(branch.body, cst.Name)}
    if not branches or any(n.value == tf and id(n) not in inside for line in lines for n in descendants(line, cst.Name)):
        return lines
    migration.local_tensorflow = True
    config = migration.file.module.config_for_parsing
    guard = cst.parse_statement(f'if {migration.names.keras}.backend.backend() == "tensorflow":  # only it hands update_step '
                                f"an embedding's rows, as a tf.IndexedSlices\n    import {origin[0]} as {tf}\n", config=config)
    result = []
    for line in lines:
        if not any(line is branch for branch in branches):
            result.append(line)
            continue
        dense = list(line.orelse.body.body) if isinstance(line.orelse, cst.Else) else []
        rows = list(line.body.body)
        if dense and not _returns(rows[-1]):
            rows.append(cst.SimpleStatementLine([cst.Return()]))
        branch = line.with_changes(body=line.body.with_changes(body=rows), orelse=None, leading_lines=[cst.EmptyLine(indent=False)])
        result.append(guard.with_changes(body=guard.body.with_changes(body=[*guard.body.body, branch]), leading_lines=line.leading_lines))
        result += dense
    return result


def is_rows_test(statement: cst.BaseStatement, gradient: str, tf: str | None = None) -> bool:
    """`if isinstance(gradient, tf.IndexedSlices):` (`tf` any name where None)."""
    if not isinstance(statement, cst.If):
        return False
    test = flat(statement.test)
    return test.startswith(f"isinstance({gradient},") and test.endswith(f"{'' if tf is None else tf}.IndexedSlices)")


def is_guard(statement: cst.BaseStatement, gradient: str) -> bool:
    """The backend guard around a branch for a tf.IndexedSlices gradient."""
    if not (isinstance(statement, cst.If) and flat(statement.test).endswith('.backend.backend()=="tensorflow"')
            and isinstance(statement.body, cst.IndentedBlock)):
        return False
    body = statement.body.body
    return len(body) == 2 and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Import) \
        and is_rows_test(body[1], gradient)


def _returns(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and isinstance(statement.body[-1], cst.Return)
