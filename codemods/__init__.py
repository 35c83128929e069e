"""The rules, one per module; installed as `optfix.codemods` and found by `optfix.rule.all_rules`."""
