"""The types the optimizer tables' rows are made of, shared by the TF1, tfa and Keras tables."""

from __future__ import annotations

from dataclasses import dataclass


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


class _NoNoneMeaning:
    def __repr__(self) -> str:
        return "NO_NONE_MEANING"


REQUIRED = _Required()  # a parameter's default: the caller must pass it
NO_NONE_MEANING = _NoNoneMeaning()  # a parameter's `none_means`: None stands for no value of its own

# A constructor's parameters in positional order, each with its default.
Signature = tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class Param:
    """One parameter of a legacy optimizer constructor, and where its value goes in Keras 3."""

    name: str
    default: object = REQUIRED
    keras: str | None = None  # the Keras 3 keyword; None drops the argument
    none_means: object = NO_NONE_MEANING  # the value the legacy constructor puts in place of None
    math: bool = True  # False: the value never touches the math (a name), so no default is written
