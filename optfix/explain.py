"""`optfix explain`: a rule's documentation, as Markdown, rendered for a terminal when it is one."""

from __future__ import annotations

import sys

from optfix.rulekit.rule import Rule
from optfix.engine.registry import all_rules, rules_by_id
from optfix.session import UsageError
from optfix.settings import wants_color
from optfix.settings import Color


def markdown(rule: type[Rule]) -> str:
    """The rule's documentation under its id as the title."""
    return f"{rule.id}\n{'=' * len(rule.id)}\n\n{rule.documentation()}\n"


def chosen_rules(rule_id: str | None, every: bool) -> tuple[type[Rule], ...]:
    known = rules_by_id()
    if every == (rule_id is not None):
        raise UsageError("give one RULE-ID, or --all")
    if every:
        return all_rules()
    if rule_id not in known:
        raise UsageError(f"unknown rule {rule_id!r}; the rules are: {', '.join(known)}")
    return (known[rule_id],)


def explain(rule_id: str | None, every: bool, color: Color) -> None:
    """Print the documentation: rendered by rich where colour is wanted, as Markdown text if not."""
    texts = [markdown(rule) for rule in chosen_rules(rule_id, every)]
    if not wants_color(color, sys.stdout):
        sys.stdout.write("\n".join(texts))
        return
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(force_terminal=True, highlight=False)
    for text in texts:
        console.print(Markdown(text))
        console.print()
