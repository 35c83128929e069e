"""One helper that makes the update for both kinds of gradient: `_resource_apply(self, grad, var,
indices=None)`, which `_resource_apply_dense` calls without indices and `_resource_apply_sparse`
with them (AdaX-style code), branching on `if indices is None:`.

The class is read as if each method held its own path: the dense method the helper's statements
with the branches taken when `indices` is None, the sparse method those taken when it is not (the
indices its parameter). Then the dense path becomes update_step, and the sparse one is judged as
any sparse method is (sparse.py). Where the helper reads `indices` otherwise than in such a test,
or is called from elsewhere, the class is left to be read as written.
"""

from __future__ import annotations

from optfix.analysis.tree import descendants
from optfix.knowledge.optimizer_v2 import DENSE
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import is_docstring, is_self_attribute

_SPARSE = "_resource_apply_sparse"


def split(node: cst.ClassDef) -> tuple[cst.ClassDef, dict[int, cst.CSTNode]] | None:
    """The class with the shared helper's paths in the dense and sparse methods, the helper gone,
    and for each new method the original it stands for (to place findings); None where the class
    has no such helper."""
    methods = {s.name.value: s for s in node.body.body if isinstance(s, cst.FunctionDef)}
    dense, sparse = methods.get(DENSE), methods.get(_SPARSE)
    if dense is None or sparse is None:
        return None
    helper_name = _delegate(dense, 2)
    if helper_name is None or _delegate(sparse, 3) != helper_name or helper_name not in methods:
        return None
    helper = methods[helper_name]
    params = helper.params.params
    if len(params) != 4 or params[3].default is None or not (isinstance(params[3].default, cst.Name) and params[3].default.value == "None"):
        return None
    calls = [c for m in methods.values() for c in descendants(m, cst.Call) if is_self_attribute(c.func, (helper_name,))]
    if len(calls) != 2 or len([a for m in methods.values() for a in descendants(m, cst.Attribute) if is_self_attribute(a, (helper_name,))]) != 2:
        return None
    indices = params[3].name.value
    dense_body = _taken(list(helper.body.body), indices, given=False)
    sparse_body = _taken(list(helper.body.body), indices, given=True)
    if dense_body is None or sparse_body is None or any(n.value == indices for s in dense_body for n in descendants(s, cst.Name)):
        return None
    names = [p.name.value for p in params[:3]]
    dense_params = cst.Parameters([cst.Param(cst.Name(n)) for n in names] + [cst.Param(cst.Name("apply_state"), default=cst.Name("None"))])
    sparse_params = cst.Parameters([cst.Param(cst.Name(n)) for n in [*names, indices]])
    new_dense = dense.with_changes(params=dense_params, body=dense.body.with_changes(body=_without_docstring(dense_body)))
    new_sparse = sparse.with_changes(params=sparse_params, body=sparse.body.with_changes(body=_without_docstring(sparse_body)))
    body = []
    for statement in node.body.body:
        if statement is helper:
            continue
        body.append(new_dense if statement is dense else new_sparse if statement is sparse else statement)
    stand_ins = {id(new_dense): dense, id(new_sparse): sparse}
    return node.with_changes(body=node.body.with_changes(body=body)), stand_ins


def _delegate(method: cst.FunctionDef, arguments: int) -> str | None:
    """`H` of a method whose body is `return self.H(<its parameters, in order>)`: the first
    `arguments` of them (self left out)."""
    body = [s for s in method.body.body if not is_docstring(s)] if isinstance(method.body, cst.IndentedBlock) else []
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
        return None
    small = body[0].body[0]
    call = small.value if isinstance(small, (cst.Return, cst.Expr)) else None
    if not isinstance(call, cst.Call) or not is_self_attribute(call.func):
        return None
    params = [p.name.value for p in method.params.params][1:arguments + 1]
    given = [a.value.value if isinstance(a.value, cst.Name) and a.keyword is None and not a.star else None for a in call.args]
    return call.func.attr.value if given == params and len(params) == arguments else None


def _without_docstring(statements: list[cst.BaseStatement]) -> list[cst.BaseStatement]:
    return [s for s in statements if not is_docstring(s)]


def _taken(statements: list[cst.BaseStatement], indices: str, given: bool) -> list[cst.BaseStatement] | None:
    """The statements with each `if indices is None:` / `is not None` replaced by the branch
    taken; None where a test on the indices is written otherwise."""
    result = []
    for statement in statements:
        if isinstance(statement, cst.If) and _tests(statement.test, indices) is not None:
            if statement.orelse is not None and not isinstance(statement.orelse, cst.Else):
                return None  # an elif chain
            none_branch = _tests(statement.test, indices)
            branch = statement.body if none_branch != given else (statement.orelse.body if statement.orelse else None)
            inner = _taken(list(branch.body), indices, given) if branch is not None else []
            if inner is None:
                return None
            result += inner
        elif any(_tests(t.test, indices) is not None for t in descendants(statement, cst.If)):
            return None  # a test on the indices nested deeper
        else:
            result.append(statement)
    return result


def _tests(test: cst.BaseExpression, indices: str) -> bool | None:
    """True for `indices is None`, False for `indices is not None`, None for other tests."""
    if not (isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name)
            and test.left.value == indices):
        return None
    target = test.comparisons[0]
    if not (isinstance(target.comparator, cst.Name) and target.comparator.value == "None"):
        return None
    if isinstance(target.operator, cst.Is):
        return True
    return False if isinstance(target.operator, cst.IsNot) else None
