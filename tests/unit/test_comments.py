"""Comments on removed import lines are put back, never into a string, never as broken code."""

from __future__ import annotations

import ast

from optfix.analysis.comments import restore_import_comments


def test_a_trailing_comment_of_a_removed_import_becomes_a_comment_line_in_its_place() -> None:
    old = "import os\nfrom a import b  # pinned: see ISSUE-12\nx = b()\n"
    new = "import os\nx = c()\n"
    assert restore_import_comments(old, new) == ("import os\n# pinned: see ISSUE-12\nx = c()\n", [])


def test_directives_about_the_removed_line_go_with_it() -> None:
    old = "from a import b  # noqa: F401\nfrom a import c  # type: ignore\nx = 1\n"
    assert restore_import_comments(old, "x = 1\n") == ("x = 1\n", [])


def test_a_nested_import_s_comment_keeps_the_indentation_and_the_line_endings() -> None:
    old = "def f():\r\n    from a import b  # lazily\r\n    return b\r\n"
    new = "def f():\r\n    return c\r\n"
    text, lost = restore_import_comments(old, new)
    assert (text, lost) == ("def f():\r\n    # lazily\r\n    return c\r\n", [])


def test_comment_lines_above_a_removed_import_are_kept_in_order() -> None:
    old = "x = 1\n\n# the optimizers\n# we use\nfrom a import b\ny = b\n"
    text, lost = restore_import_comments(old, "x = 1\n\ny = c\n")
    assert lost == [] and text.index("# the optimizers") < text.index("# we use") < text.index("y = c")
    ast.parse(text)


def test_a_comment_that_would_land_inside_a_string_is_returned_as_lost_and_the_text_left_as_it_was() -> None:
    old = "x = 1\nimport a  # c\nz = 2\n"
    new = 's = """\nx = 1\n"""\nz = 2\n'
    assert restore_import_comments(old, new) == (new, [(2, "# c")])


def test_nothing_lost_nothing_changed() -> None:
    old = "from a import b  # c\nx = b\n"
    assert restore_import_comments(old, old) == (old, [])
