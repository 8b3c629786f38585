"""Evaluating a rulebook on submissions, behind one face for both evaluators.

``Engine(book, reference, kind)`` compiles the rulebook once. ``evaluate(submission)``
returns an :class:`Evaluation`: every rule that triggers (once, with its field paths and
message), every rule that does not apply with the reason, or an error. ``kind`` is
``"durable"`` (durable_rules, the default where it imports) or ``"python"`` (the reference
evaluator). Nothing outside this package knows which one ran.
"""

from kpcheck.engine.evaluation import (
    KINDS,
    Engine,
    EngineError,
    EngineUnavailable,
    Evaluation,
    Finding,
    InternalFailure,
    NotApplicable,
    default_kind,
    describe_default,
    in_force_node,
)
from kpcheck.engine.messages import render

__all__ = [
    "KINDS",
    "Engine",
    "EngineError",
    "EngineUnavailable",
    "Evaluation",
    "Finding",
    "InternalFailure",
    "NotApplicable",
    "default_kind",
    "describe_default",
    "in_force_node",
    "render",
]
