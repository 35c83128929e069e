"""The parts of libcst that optfix uses although libcst does not document them, each behind one
function here and nowhere else.

pyproject.toml pins libcst below 2; tests/unit/test_libcst_internals.py fails, naming the function,
if a libcst release changes what one of them relies on. Nothing here imports libcst until called.
"""

from __future__ import annotations

import inspect
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import libcst

_VISITED_FIELD = re.compile(r"""visit_\w+\(\s*self,\s*["'](\w+)["']""")


def visited_fields(kind: type) -> list[str]:
    """The fields that the node type `kind` visits, in the order it visits them, which is the
    order of the code; [] where the source cannot be read.

    Relies on the source of `kind._visit_and_replace_children`, where libcst visits each child
    field with a call such as `visit_required(self, "left", self.left, visitor)` or
    `visit_sequence(self, "body", self.body, visitor)`: the field's name is the string after
    `self`."""
    try:
        return _VISITED_FIELD.findall(inspect.getsource(kind._visit_and_replace_children))
    except (OSError, TypeError):
        return []


def generate_code(module: libcst.Module, state: object) -> None:
    """Generate `module`'s code into `state`, an instance of `position_codegen_state()` or of a
    subclass of it, whose hooks see every node on the way.

    Relies on `Module._codegen(state)`, which `Module.code` calls with a plain state."""
    module._codegen(state)


def position_codegen_state() -> type:
    """The code-generation state that libcst's PositionProvider computes positions with, for a
    subclass to override its hooks.

    Relies on `libcst.metadata.position_provider.PositionProvidingCodegenState`: built with
    `default_indent`, `default_newline` and `provider` keywords; `tokens` (the code so far) and
    `indent_tokens`; the hooks `add_token(value)`, `add_indent_tokens()`, `pop_trailing_newline()`,
    `before_codegen(node)` and `after_codegen(node)` around every node, and
    `record_syntactic_position(node, *, start_node=None, end_node=None)`, a context manager around
    the part of a node that its position covers."""
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    return PositionProvidingCodegenState
