"""The rule's handling of classes made by class factories (`def extend_with_x(Base): class
New(Base)`): migrated where the file gives the factory only Keras 2 optimizer classes that it
migrates, reported with what Keras 3 offers otherwise."""

from __future__ import annotations

from optfix.analysis.tree import descendants, reads
from optfix.codemods.get_updates.project_classes import applied_in_other_modules
from optfix.lazy import lazy_import
from optfix.lazy import libcst as cst

factories = lazy_import("optfix.codemods.get_updates.factories")
wrappers = lazy_import("optfix.codemods.get_updates.wrappers")


class FactoryClasses:
    """A mixin of the rule, which supplies `_names()`, `_would_migrate(node, keras)`,
    `_reconcile_imports(names, dropped)` and `_report_unresolved(node)`."""

    def factory_class(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef | None:
        """The factory's class migrated, `updated` where it is reported, None where it is no
        factory's class."""
        found = wrappers.factory_of(self.file.module, original)
        if found is None:
            return None
        function, parameter = found
        names = self._names()
        elsewhere = self.applied_elsewhere(function)
        migrated, migration = factories.migrate_factory_class(self.file, original, names, self._migrates_given)
        if migrated is None or elsewhere:
            self.report(original.name, f"{original.name.value} not migrated: the class factory {function.name.value}() makes it "
                                       f"around the optimizer class it is given ({parameter}), {wrappers.what_it_does(original)}"
                                       + applied_in_other_modules(elsewhere, self.file.path))
            applied = not any(p.message.startswith("its class factory is not applied") for p in migration.problems)
            for problem in migration.located_problems() if applied else ():
                self.report(problem.node, f"{original.name.value} not migrated: {problem.message}")
            return updated
        message = f"{original.name.value}: get_updates -> update_step around the base class's (the Keras 3 optimizer API)"
        result = self.rewrite(original, updated, migrated, message)
        if result is migrated:
            before = {name.value for name in reads(original)}
            self._reconcile_imports(names, dropped=before - {name.value for name in reads(migrated)})
            for review in migration.reviews:
                self.report(review.node, f"{original.name.value}: {review.message}")
        return result

    def reported_blocking_factory(self, node: cst.ClassDef) -> bool:
        """Whether a blocking factory (see below) keeps `node` from being migrated: reported."""
        factory = self.blocking_factory(node)
        if factory is not None:
            self.report(node.name, f"{node.name.value} not migrated: the class factory {factory.name.value}() of this file "
                                   "extends it, and its class cannot be migrated (see there): it would extend a Keras 3 class")
        return factory is not None or self.reported_project_users(node)

    def blocking_factory(self, node: cst.ClassDef) -> cst.FunctionDef | None:
        """A class factory of this file that is given `node` and whose class is not migrated (it
        cannot be, or other modules apply the factory too): a Keras 2 class extending the migrated
        one would fail, so `node` stays as it is too."""
        module = self.file.module
        for function in (s for s in module.body if isinstance(s, cst.FunctionDef)):
            given = factories.applications(module, function) or []
            if not any(isinstance(e, cst.Name) and e.value == node.name.value for e in given):
                continue
            made = [c for c in descendants(function, cst.ClassDef) if wrappers.factory_of(module, c)]
            if self.applied_elsewhere(function) or any(
                    factories.migrate_factory_class(self.file, c, self._names(), self._migrates_given)[0] is None for c in made):
                return function
        return None

    def _migrates_given(self, expression: cst.BaseExpression) -> cst.ClassDef | None:
        """A class given to a factory, where it is a Keras 2 optimizer class of this file that this rule migrates."""
        if not isinstance(expression, cst.Name):
            return None
        found = [s for s in self.file.module.body if isinstance(s, cst.ClassDef) and s.name.value == expression.value]
        return found[0] if len(found) == 1 and self._would_migrate(found[0], self._names().keras) else None
