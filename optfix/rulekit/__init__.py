"""What a rule author imports: the Rule contract, the file context, and helpers that read and edit calls on optimizers."""
