"""A tf.keras 2 optimizer class (OptimizerV2 API) rewritten as a Keras 3 one, whole or not at all.

`run()` returns the Keras 3 class, or None with `problems` saying, construct by construct, why it
cannot. Each method has its module: constructor (`__init__`), slots (`_create_slots` -> build),
update_step (`_prepare_local` + `_resource_apply_dense`), sparse (what becomes of the sparse
methods), config (`get_config`); statements and expressions translate what they hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from optfix.analysis.tree import code, descendants
from optfix.codemods.optimizer_v2 import builtin_base, shared_update
from optfix.codemods.optimizer_v2.apply_state import ApplyStateHelpers, handed_by_removed, with_helper_bodies
from optfix.codemods.optimizer_v2.clipping import GlobalClip, global_clip, only_repacks
from optfix.codemods.optimizer_v2.config import get_config
from optfix.codemods.optimizer_v2.constructor import Constructor, hyperparameters
from optfix.codemods.optimizer_v2.expressions import Translate
from optfix.codemods.optimizer_v2.initial_decay import reads_initial_decay, with_initial_decay
from optfix.codemods.optimizer_v2.kernels import written_out
from optfix.codemods.optimizer_v2.outside_helpers import refuse_optimizer_handed_out
from optfix.codemods.optimizer_v2.prepare import StepPreparation
from optfix.codemods.optimizer_v2.slot_name_loops import names_written_out
from optfix.codemods.optimizer_v2.slots import Build, slot_attributes
from optfix.codemods.optimizer_v2.sparse import LAZY, NOTHING, WHOLE, as_branch, lazy_message, merged, sparse_kind
from optfix.codemods.optimizer_v2.statements import Statements
from optfix.codemods.optimizer_v2.step_variable import StepVariable, step_variable
from optfix.codemods.optimizer_v2.update_step import UpdateStep
from optfix.knowledge import optimizer_v2 as api
from optfix.knowledge.optimizer_v2_members import OPTIMIZER_V2_MEMBERS
from optfix.knowledge.tf_python_namespace import canonical
from optfix.lazy import libcst as cst
from optfix.rulekit.class_code import Problem, assignment_of, descendant_ids, is_docstring, is_super_call, only_adjusts_the_list
from optfix.rulekit.migrated_optimizers import variable_name_review
from optfix.rulekit.rule import FileContext

# Calls that drive an optimizer: made on another object than self, they are a wrapper's.
_DRIVING = frozenset({"apply_gradients", "minimize", "_resource_apply_dense", "_resource_apply_sparse", "_create_slots",
                      "_prepare_local", "_distributed_apply", "_create_all_weights", "_create_hypers", "_prepare", "add_slot"})


_TF2_API = "tensorflow.compat.v2."


@dataclass
class Names:
    """How the migrated code reaches Keras 3, in the file's terms."""

    ops: str  # `ops` or `keras.ops`
    keras: str  # the expression for the `keras` package


class Migration:
    def __init__(self, file: FileContext, node: cst.ClassDef, names: Names, built_in: str | None = None) -> None:
        self.file, self.node, self.names = file, node, names
        self.given = node  # the class as the file has it (self.node may read a shared update helper as two methods)
        self.stand_ins: dict[int, cst.CSTNode] = {}  # a method made from that helper -> the method it stands for
        self.built_in = built_in  # the legacy built-in it subclasses (`Adam`), if it subclasses one
        self.problems: list[Problem] = []
        self.reviews: list[Problem] = []  # migrated, but a person should look here
        self.hypers: dict[str, cst.Call] = {}
        self.slots: dict[str, str] = {}  # slot name -> the attribute holding its list
        self.renamed: dict[str, str] = {}  # attributes the Keras 3 base class owns -> the class's own name for them
        self.decayed_reads: list[cst.CSTNode] = []  # reads of the learning rate with OptimizerV2's decay
        self.raw_reads: list[cst.CSTNode] = []  # reads of it without
        self.uses_ops = False
        self.imports_tensorflow = False  # the migrated class needs `import tensorflow as tf` added
        self.local_tensorflow = False  # update_step imports TensorFlow itself, for an embedding's rows
        self.lazy: list[cst.FunctionDef] = []  # sparse methods made update_step's tf.IndexedSlices branch
        self.own_methods: set[str] = set()  # the methods the class defines
        self.methods: dict[str, cst.FunctionDef] = {}
        self.preparation: StepPreparation | None = None  # an override of _prepare, folded into update_step
        self.clip: GlobalClip | None = None  # the global-norm clipping of an apply_gradients override, for __init__
        self.step_variable: StepVariable | None = None  # a variable updated once per step before the updates (Nadam's)
        self.initial_decay = False  # the class reads OptimizerV2's decay= as a number (Nadam's schedule decay)
        self.helpers_read: set[str] | None = None  # the own methods whose result a caller reads
        self.origins: list[int] = []  # for each statement of the migrated body, the id of the statement it came from

    def problem(self, node: cst.CSTNode, message: str) -> None:
        self.problems.append(Problem(node, message))

    def located_problems(self) -> list[Problem]:
        """The problems, each at a node of the original class (or at the class), once."""
        located = self._located(self.problems)
        return list({(id(p.node), p.message): p for p in located}.values())

    def _located(self, problems: list[Problem]) -> list[Problem]:
        originals = descendant_ids(self.given)
        return [p if id(p.node) in originals else Problem(self.stand_ins.get(id(p.node), self.node.name), p.message) for p in problems]

    def qualified(self, node: cst.CSTNode) -> str | None:
        """The name through the imports, TensorFlow 2's API as `tensorflow.` (`import tensorflow.compat.v2 as tf`),
        what old releases bound in `tensorflow.python` as the module that defines it."""
        name = self.file.imports.qualified_name(node)
        if name is None:
            return None
        return f"tensorflow.{name[len(_TF2_API):]}" if name.startswith(_TF2_API) else canonical(name)

    def attribute(self, hyperparameter: str) -> str:
        return self.renamed.get(hyperparameter, hyperparameter)

    def string(self, text: str) -> str:
        """`text` as a string literal in the quotes the class writes most."""
        quotes = [s.quote for s in descendants(self.node, cst.SimpleString) if not s.prefix]
        quote = "'" if quotes.count("'") > quotes.count('"') else '"'
        return f"{quote}{text}{quote}"

    def clip_lines(self, kwargs: str | None, at: cst.CSTNode) -> list[str]:
        """What gives the base class `global_clipnorm=`, where apply_gradients clipped by the global norm."""
        if self.clip is None:
            return []
        if kwargs is None:
            self.problem(at, "apply_gradients() clips by the global norm, but __init__ takes no **kwargs to give the base class global_clipnorm=")
            return []
        return self.clip.lines(kwargs, self.string, self.file.module.default_indent)

    def tensorflow(self) -> str:
        """The file's name for TensorFlow, `tf` (imported where needed) if it has none."""
        name = self.file.imports.name_for("tensorflow")
        if name is None:
            self.imports_tensorflow = True
            name = "tf"
        return name

    def translator(self, learning_rate: str = "self.learning_rate") -> Translate:
        return Translate(self, learning_rate)

    # -- the whole class -----------------------------------------------------------------------

    def run(self) -> cst.ClassDef | None:
        shared = shared_update.split(self.node)
        if shared is not None:
            self.node, self.stand_ins = shared
        methods = {s.name.value: s for s in self.node.body.body if isinstance(s, cst.FunctionDef)}
        self.own_methods = set(methods)
        self.methods = methods
        self._refuse_machinery(methods)
        refuse_optimizer_handed_out(self, methods)
        if not self.problems and self.built_in is None and (found := step_variable(self, methods)) is not None:
            self.step_variable, self.node = found, found.node
            methods = {s.name.value: s for s in self.node.body.body if isinstance(s, cst.FunctionDef)}
            self.own_methods, self.methods = set(methods), methods
        self.initial_decay = self.built_in is None and reads_initial_decay(self, methods)  # a built-in's subclass: refused where it reads it
        if api.STEP_PREPARATION in methods and not self.problems:
            self.preparation = StepPreparation(self, methods[api.STEP_PREPARATION], methods)
        if self.built_in is not None:
            builtin_base.refuse_unsupported(self, methods)
        if self.problems:
            return None  # what follows would only restate it
        init, dense = methods.get("__init__"), methods.get(api.DENSE)
        sparse = [name for name in api.SPARSE if name in methods]
        if dense is None and self.built_in is not None and sparse:
            self.problem(methods[sparse[0]], f"it overrides only {sparse[0]}() of the built-in {self.built_in}, its update of the "
                                             f"rows of an embedding's sparse gradient: Keras 3's {self.built_in} has no such method to "
                                             "override (its update_step takes every gradient), so the change would be dropped")
            return None
        if dense is None or init is None and self.built_in is None:
            missing = api.DENSE if dense is None else "__init__"
            self.problem(self.node.name, f"it defines no {missing}: optfix migrates classes that set their hyperparameters in "
                                         "__init__ and update a variable in _resource_apply_dense")
            return None
        taken = set(methods) | {t.target.attr.value for t in descendants(self.node, cst.AssignTarget)
                                if isinstance(t.target, cst.Attribute) and isinstance(t.target.value, cst.Name) and t.target.value.value == "self"}
        self.hypers = hyperparameters(self, init) if init is not None else {}
        self.renamed = {name: f"{name}_" for name in (set(self.hypers) | taken) - set(methods) & api.KERAS3_MEMBERS - api.KERAS3_OVERRIDABLE}
        self.renamed |= {name: f"{name}_" for name in methods if _own_helper(name)}
        written = methods.get(api.SLOTS)
        create = names_written_out(written) if written is not None else None
        self.slots = slot_attributes(create, taken | set(self.hypers)) if create is not None else {}
        replaced: dict[int, cst.BaseStatement | None] = {id(methods[name]): None for name in (api.PREPARE, *api.SPARSE, "set_weights")
                                                        if name in methods}
        if create is not None:
            replaced[id(written)] = Build(self, create).build()
        helpers = ApplyStateHelpers(self, methods)
        handed = helpers.caller(dense, 3)
        preparation = self.preparation
        if preparation is not None:
            handed = preparation.reading_locals(handed)
            replaced[id(methods[api.STEP_PREPARATION])] = None
        step_lines = preparation.lines if preparation is not None else []
        for name in helpers.getters:
            replaced[id(methods[name])] = None
        for name in helpers.helpers:
            replaced[id(methods[name])] = helpers.rewritten(methods[name])
        sparse = [methods[name] for name in api.SPARSE if name in methods]
        lazy, rows = self._lazy_branch(sparse)
        self.lazy = lazy
        if lazy:
            sparse = [method for method in sparse if method not in lazy]
            self.reviews.append(Problem(lazy[0], f"{'() and '.join(m.name.value for m in lazy)}() became update_step's branch for a tf.IndexedSlices gradient (an "
                                              "embedding's rows, updated lazily as before): Keras 3 passes one on the TensorFlow backend "
                                              "only; on JAX and torch the gradient is dense and the dense update moves every row"))
        if self.built_in is None:
            lazy_reading = preparation.reading_locals(rows) if preparation is not None and rows is not None else rows
            replaced[id(dense)] = UpdateStep(self, written_out(self, handed), methods.get(api.PREPARE), densify=bool(sparse),
                                             lazy=lazy_reading, step_lines=step_lines).build()
        else:
            step = UpdateStep(self, builtin_base.delegating(self, handed), methods.get(api.PREPARE), densify=bool(sparse),
                              step_lines=step_lines).build()
            replaced[id(dense)] = builtin_base.completed(self, step, inherits_sparse=not sparse)
        self._review_variable_names(methods)
        for method in sparse:
            self._sparse(method)
        for helper in handed_by_removed(methods, [*sparse, *lazy], set(replaced)):
            replaced[id(helper)] = None
        trivial = methods.get("apply_gradients")
        if trivial is not None:
            replaced[id(trivial)] = None if self._only_calls_super(trivial) or self.clip is not None else trivial
        if "get_config" in methods:
            replaced[id(methods["get_config"])] = get_config(self, methods["get_config"])
        for name, method in methods.items():
            if id(method) not in replaced and name != "__init__":
                replaced[id(method)] = self._other_method(method)
        if self.decayed_reads and self.raw_reads:
            self.problem(self.raw_reads[0], "it reads the learning rate both with OptimizerV2's time-based decay (_decayed_lr) and "
                                            "without it (_get_hyper, self.lr): Keras 3 gives one learning rate")
        statements = list(self.node.body.body)
        if self.built_in is not None:
            if init is None:  # the legacy built-in's, which took lr= and decay=: Keras 3's ignores decay=
                documented = bool(statements) and is_docstring(statements[0])
                init = builtin_base.inherited_init(self).with_changes(leading_lines=[cst.EmptyLine()] if documented else [])
                statements.insert(1 if documented else 0, init)
            replaced[id(init)] = builtin_base.BuiltInConstructor(self, init).build()
        else:
            replaced[id(init)] = Constructor(self, init, self.hypers, fold_decay=bool(self.decayed_reads)).build()
            if self.initial_decay:
                replaced[id(init)] = with_initial_decay(self, replaced[id(init)])
        step_method = None
        if self.step_variable is not None:
            step_method = self.step_variable.method()
            self.reviews = self.step_variable.on_original(self.reviews)
        if self.problems:
            return None
        self.reviews = self._located(self.reviews)
        body = []
        for statement in statements:
            if id(statement) in replaced:
                if statement is dense and step_method is not None:
                    body.append(step_method)
                    self.origins.append(id(statement))
                if replaced[id(statement)] is not None:
                    body.append(replaced[id(statement)])
                    self.origins.append(id(statement))
            elif not self._dropped_class_attribute(statement):
                body.append(statement)
                self.origins.append(id(statement))
        return self.node.with_changes(body=self.node.body.with_changes(body=body))

    def _refuse_machinery(self, methods: dict[str, cst.FunctionDef]) -> None:
        overridden = [name for name in methods if name in api.REFUSED_OVERRIDES and name != api.STEP_PREPARATION
                      and not self._only_pads_weights(methods[name])]
        if len(overridden) == 1:
            self.problem(methods[overridden[0]], f"it overrides {overridden[0]}(): {api.REFUSED_OVERRIDES[overridden[0]]}")
        elif overridden:
            listed = ", ".join(f"{name}()" for name in overridden[:-1]) + f" and {overridden[-1]}()"
            self.problem(methods[overridden[0]], f"it overrides {listed}: tf.keras 2 optimizer machinery that Keras 3 "
                                                 "optimizers neither have nor call")
        for name, method in methods.items():
            if name in api.KERAS3_MEMBERS - api.KERAS3_OVERRIDABLE - set(api.REFUSED_OVERRIDES) - {"apply_gradients", "set_weights"} \
                    and not _own_helper(name):
                self.problem(method, f"it defines {name}(), which Keras 3's Optimizer has: it would replace the base class's")
        if "apply_gradients" in methods and not self._only_calls_super(methods["apply_gradients"]):
            self.clip = global_clip(self, methods["apply_gradients"], methods.get("__init__"))
        if self.clip is None and "apply_gradients" in methods and not self._only_calls_super(methods["apply_gradients"]):
            self.problem(methods["apply_gradients"], "it overrides apply_gradients() to do more than call the base class's: "
                                                     "Keras 3's apply_gradients(grads_and_vars) runs apply(), which calls update_step")
        for call in descendants(self.node, cst.Call):
            func = call.func
            if (isinstance(func, cst.Attribute) and func.attr.value in _DRIVING and not (isinstance(func.value, cst.Name) and func.value.value == "self")
                    and not (isinstance(func.value, cst.Call) and code(func.value.func) == "super")):
                self.problem(call, f"it wraps another optimizer ({code(func)}()): a Keras 3 optimizer cannot drive another's "
                                   "updates; for a moving average of the weights use use_ema=True (ema_momentum=...), for "
                                   "accumulated gradients gradient_accumulation_steps=; otherwise rebuild it on Keras 3's apply()")
                return

    def _only_pads_weights(self, method: cst.FunctionDef) -> bool:
        """A set_weights() that only reshapes a list in the legacy layout (a checkpoint of
        tf.keras 1's optimizers) before the base class's: it goes, with a finding."""
        if method.name.value != "set_weights" or not only_adjusts_the_list(method):
            return False
        self.reviews.append(Problem(method, "set_weights() override removed: it only reshaped a list in the legacy layout (an "
                                            "older checkpoint's) before the base class's set_weights(); Keras 3's takes "
                                            "optimizer.variables (iterations, learning rate, then the slots), which a legacy list fits neither way"))
        return True

    def _only_calls_super(self, method: cst.FunctionDef) -> bool:
        if method.name.value == "apply_gradients" and only_repacks(method):
            return True
        body = [s for s in method.body.body if not is_docstring(s)]
        if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine) or len(body[0].body) != 1:
            return False
        small = body[0].body[0]
        value = small.value if isinstance(small, (cst.Return, cst.Expr)) else None
        return isinstance(value, cst.Call) and is_super_call(value, method.name.value)

    def _lazy_branch(self, sparse: list[cst.FunctionDef]) -> tuple[list[cst.FunctionDef], cst.FunctionDef | None]:
        """The class's sparse methods, where they update rows lazily with scatters or sparse
        kernels (and the class subclasses no built-in), and them as update_step's branch: one
        method, or _resource_apply_sparse_duplicate_indices handing the summed rows to the other."""
        if self.built_in is not None or len(sparse) not in (1, 2):
            return [], None
        method = sparse[0] if len(sparse) == 1 else merged(self, *sparse)
        if method is None:
            return [], None
        kind, evidence = sparse_kind(self, with_helper_bodies(self.methods, method))
        rows = as_branch(self, method, evidence) if kind == LAZY else None
        return (sparse, rows) if rows is not None else ([], None)

    def _sparse(self, method: cst.FunctionDef) -> None:
        kind, evidence = sparse_kind(self, with_helper_bodies(self.methods, method))
        if kind == LAZY:
            self.problem(evidence, lazy_message(method, evidence))
        elif kind == WHOLE:
            self.reviews.append(Problem(method, f"{method.name.value}() removed: Keras 3 gives update_step the gradient of an "
                                                "embedding made dense; this method updates whole variables as the dense one does, "
                                                "but optfix does not prove it computes the same: compare the two"))
        elif kind == NOTHING:
            self.reviews.append(Problem(method, f"{method.name.value}() removed: it did nothing, so an embedding (a variable "
                                                "given a sparse gradient) was never updated; Keras 3's update_step updates it "
                                                "with the gradient made dense, as any other variable"))

    def _review_variable_names(self, methods: dict[str, cst.FunctionDef]) -> None:
        """`var.name` of a parameter of the update or of a helper it calls: the name of a variable."""
        for name, method in methods.items():
            if name in ("__init__", "get_config", api.SLOTS):
                continue
            params = {p.name.value for p in method.params.params} - {"self"}
            for node in descendants(method, cst.Attribute):
                if node.attr.value == "name" and isinstance(node.value, cst.Name) and node.value.value in params:
                    self.reviews.append(variable_name_review(node))

    def _other_method(self, method: cst.FunctionDef) -> cst.FunctionDef:
        if method.name.value in self.renamed:
            method = method.with_changes(name=cst.Name(self.renamed[method.name.value]))
        if self.helpers_read is None:
            self.helpers_read = {name for other_name, other in self.methods.items() if isinstance(other.body, cst.IndentedBlock)
                                 for name in Statements(self, self.translator(), updates=other_name in (api.DENSE, *api.SPARSE))
                                 .helpers_read(list(other.body.body))}
        statements = Statements(self, self.translator(), updates=False, returns_update=method.name.value in self.helpers_read)
        body = method.body
        if isinstance(body, cst.IndentedBlock):
            return method.with_changes(body=body.with_changes(body=statements.body(list(body.body))),
                                       decorators=[d.visit(self.translator()) for d in method.decorators])
        return method.visit(self.translator())

    @staticmethod
    def _dropped_class_attribute(statement: cst.BaseStatement) -> bool:
        assignment = assignment_of(statement)
        return assignment is not None and isinstance(assignment[0], cst.Name) and assignment[0].value in api.DROPPED_CLASS_ATTRIBUTES



def _own_helper(name: str) -> bool:
    """A private method named as one of Keras 3's Optimizer that OptimizerV2 did not have: the
    class's own helper (`_use_weight_decay`), renamed so as not to replace Keras 3's."""
    return name.startswith("_") and name in api.KERAS3_MEMBERS - api.KERAS3_OVERRIDABLE and name not in OPTIMIZER_V2_MEMBERS
