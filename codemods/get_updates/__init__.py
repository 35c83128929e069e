"""Rule `get-updates`: a Keras 2 optimizer class (`get_updates(loss, params)`) rewritten whole as a Keras 3 one.

- rule: the rule itself (which classes, the findings, the class declaration and the imports).
- migration: one class's migration, run method by method; a class is migrated whole or not at all,
  and `Migration.problems` says, construct by construct, why not.
- hyperparameters: `__init__`. Backend variables become plain values; the class's own `iterations`
  and `lr` go, the learning rate goes to the base class (which Keras 3 requires), wrapped in an
  InverseTimeDecay schedule where `get_updates` applied time-based decay; `learning_rate=` is
  accepted from callers (and from `from_config`).
- split: `get_updates`, statement by statement: the slot lists go to build(), the statements before
  the loop over the parameters and the loop's body to update_step(); what the base class now does
  (gradients, clipping, the step counter, constraints, `self.weights`, `self.updates`) goes.
- build: build(var_list), one variable per parameter and slot list.
- checkpoint_order: the order build() makes the slots in. A Keras 2 optimizer's checkpoint was its
  `self.weights`, usually `[self.iterations] + ms + vs`; a Keras 3 optimizer's is
  `optimizer.variables`, the base class's own (iterations, learning rate) then the variables in
  the order build() makes them. So build() follows `self.weights`: a statement that makes a slot
  list is moved, a loop that appends to several lists in turn becomes one loop per list.
- update_step: update_step(gradient, variable, learning_rate), `K.update*` as `self.assign*`.
- get_config: get_config() reads attributes instead of `K.get_value`, and leaves the learning rate
  to the base class's config where it merges that.
- backend_calls: everywhere, `K.<function>` as its `keras.ops` / `keras.config` counterpart.
- class_code: the lists `get_updates` fills. Readings every optimizer-class rule shares (assignments,
  `self.` attributes, base-class calls; get_config's keys checked against `__init__`) are in
  optfix.rulekit (class_code, config_round_trip).
"""

from optfix.codemods.get_updates.rule import GetUpdatesRule

__all__ = ["GetUpdatesRule"]
