"""``kpcheck explain RULE SUBMISSION`` (also ``kpcheck rules explain``): why a rule gives its result."""

from __future__ import annotations

import json

import click

from kpcheck.cli.console import Command, lang_option, verbosity_options
from kpcheck.cli.exits import EXIT_FAIL, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream
from kpcheck.engine import KINDS, EngineError
from kpcheck.i18n import gettext_for
from kpcheck.input.reader import read_sources


@click.command("explain", cls=Command)
@click.argument("rule_id", metavar="RULE")
@click.argument("submission", metavar="SUBMISSION", type=click.Path(dir_okay=False))
@click.option("--rules", "rules", type=click.Path(file_okay=False), help="Rulebook folder (default: the shipped one).")
@click.option("--reference", type=click.Path(file_okay=False), help="Folder of registers replacing the shipped example ones.")
@click.option("--engine", type=click.Choice(KINDS), help="Evaluator (default: durable where it imports).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write to FILE instead of standard output.")
@lang_option("Language of the explanation.")
@verbosity_options
def explain(
    rule_id: str, submission: str, rules: str | None, reference: str | None, engine: str | None, fmt: str, output: str | None, lang: str
) -> int:
    """Why RULE gives its result on SUBMISSION: every clause with the values it read, the derived
    facts it computed (a working-day deadline day by day), the values by date it read, the result.

    Exit 0 when the rule does not trigger, 1 when it does, 2 when it could not be explained.
    """
    from kpcheck.cli.main import load_checker
    from kpcheck.engine.explain import ExplainError
    from kpcheck.tooling.explain_render import explanation_lines

    _ = gettext_for(lang)
    checker = load_checker(rules, reference, engine, lang)
    if checker is None:
        raise Failed()
    docs = []
    for loaded in read_sources([submission]):
        try:
            docs.append(checker.explain(rule_id, loaded, lang))
        except (ExplainError, ValueError, EngineError) as exc:
            raise Failed(_(str(exc)) if isinstance(exc, ExplainError) else str(exc)) from None
    if not docs:
        raise Failed(f"{submission}: {_('no submission in the file')}")
    with output_stream(output, "explanation") as stream:
        if fmt == "json":
            stream.write(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False) + "\n")
        else:
            for i, doc in enumerate(docs):
                stream.write(("\n" if i else "") + "\n".join(explanation_lines(doc, lang)) + "\n")
    return EXIT_FAIL if any(d["result"] == "triggers" for d in docs) else EXIT_OK
