"""The rules, one per module; installed as `optfix.codemods` and found by `optfix.rulekit.rule.all_rules`."""
