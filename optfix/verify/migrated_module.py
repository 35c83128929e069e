"""A migrated module run under Keras 3: the optimizer classes it defines."""

from __future__ import annotations

import linecache
from pathlib import Path

from optfix.verify.placeholders import placeholders
from optfix.verify.project_modules import module_name, stand_ins


def migrated_classes(text: str, path: Path, keras, sources: dict[str, str] | None = None) -> dict[str, type]:
    """The Keras 3 optimizer classes the migrated module `text` of `path` defines (`sources`: the
    migrated code of the modules of the run it imports)."""
    from optfix.verify.legacy_keras import installed

    name, package = module_name(path)
    namespace = {"__name__": name, "__file__": str(path), "__package__": package}
    # Under a name of its own, with its lines where inspect finds them: tf.function and autograph
    # read a method's source, and under the file's name they would read the original's.
    filename = f"{path} (migrated)"
    linecache.cache[filename] = (len(text), None, text.splitlines(keepends=True), filename)
    with installed(stand_ins(path, text, package, sources)), placeholders(text):
        exec(compile(text, filename, "exec"), namespace)
    return {name: value for name, value in namespace.items()
            if isinstance(value, type) and issubclass(value, keras.optimizers.Optimizer)
            and value.__module__ == namespace["__name__"]}
