"""``kpcheck rules impact``: what an amendment of the rulebook would change on past submissions."""

from __future__ import annotations

import json
import os

import click

from kpcheck.cli.console import Command, error, lang_option, say, verbosity_options, warning
from kpcheck.cli.console import located as console_located
from kpcheck.cli.exits import EXIT_ERROR, EXIT_OK, Failed
from kpcheck.cli.outputs import output_stream, refuse_clashes
from kpcheck.cli.settings import bounded_jobs
from kpcheck.engine import KINDS, EngineUnavailable
from kpcheck.report.text import make_console
from kpcheck.tooling.impact import ImpactRulebookInvalid, SameRulebook
from kpcheck.tooling.impact import impact as run_impact
from kpcheck.tooling.impact_render import render_text, to_json
from kpcheck.tooling.lint_render import located


@click.command("impact", cls=Command)
@click.argument("sources", nargs=-1, required=False)
@click.option(
    "--old",
    "old_dir",
    type=click.Path(file_okay=False, exists=True),
    metavar="DIR",
    help="The rulebook in force (default: the shipped one).",
)
@click.option("--new", "new_dir", type=click.Path(file_okay=False, exists=True), metavar="DIR", required=True, help="The amended rulebook.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv", "html"]),
    default="text",
    show_default=True,
    help="Output format (csv and html with --register).",
)
@click.option(
    "--register",
    "register",
    metavar="URL",
    help="Replay every decision of this register (read only) instead of SOURCE...: which decisions the amendment changes.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to FILE instead of standard output.")
@click.option(
    "--reference", type=click.Path(file_okay=False), help="Folder of registers replacing the shipped example ones file by file (both runs)."
)
@click.option("--engine", type=click.Choice(KINDS), help="Evaluator (default: durable where it imports).")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    callback=lambda _c, _p, v: bounded_jobs(v),
    help="Worker processes per audit (default: every core).",
)
@lang_option("Language of the report.")
@verbosity_options
def impact(
    sources: tuple[str, ...],
    old_dir: str | None,
    new_dir: str,
    fmt: str,
    output: str | None,
    reference: str | None,
    engine: str | None,
    jobs: int | None,
    lang: str,
    register: str | None,
) -> int:
    """Re-run past submissions (SOURCE...) under the --old and --new rulebooks and show what changes.

    Lists the submissions whose status or findings change, the status transitions, the
    findings that appear or disappear per rule and the changes per year presented. An
    informational command: exit 0 when it ran, 2 when a rulebook does not load or a submission could not be read.

    With --register URL, every decision recorded in the register is replayed under both rulebooks
    instead, and those the amendment would change are listed (certificate, dates, the decision
    taken, by whom, old and new findings and rulebook hashes), by period and by rule, in text,
    json, csv or html; the register is only read.
    """
    if register is not None:
        if sources:
            raise click.UsageError(say("give either SOURCE... or --register, not both"))
        return _register_impact(old_dir, new_dir, register, reference, engine, fmt, output, lang)
    if not sources:
        raise click.UsageError(say("give the past submissions (SOURCE...) or --register URL"))
    if fmt in ("csv", "html"):
        raise click.UsageError(say("--format {format} is the report of --register", format=fmt))
    refuse_clashes([(say("impact report"), output)], sources)
    try:
        report = run_impact(old_dir, new_dir, sources, reference, engine, jobs or os.cpu_count() or 1)
    except EngineUnavailable as exc:
        raise Failed(f"{exc}; {say('nothing was compared')}") from None
    except ImpactRulebookInvalid as exc:
        for problem in exc.errors:
            error(located(problem, lang))
        folder = new_dir if exc.side == "new" else old_dir or say("shipped")
        raise Failed(
            say("the {side} rulebook ({folder}) or its reference data does not load; nothing was compared", side=exc.side, folder=folder)
        ) from None
    except SameRulebook as exc:
        raise Failed(
            say(
                "the --old rulebook ({old}) and the --new one ({new}) are the same "
                "(rulebook hash {sha}): nothing to compare. Give --new the folder of the amended "
                "rulebook and --old the one in force (an amendment made in place in the shipped rulebook "
                "is compared with a copy of the rulebook as it was, e.g. `git worktree add` of the last release)",
                old=old_dir or say("shipped"),
                new=new_dir,
                sha=exc.sha256[:12],
            )
        ) from None
    if report.reference == "example":
        warning(
            say("using the shipped EXAMPLE registers (signers, customs points, entities); pass --reference DIR for the official lists"),
            once="example-registers",
        )
    if report.errors:
        warning(say("{n} submission(s) could not be read or checked under either rulebook; `kpcheck audit` shows why", n=report.errors))
    with output_stream(output, "impact report") as stream:
        if fmt == "json":
            stream.write(json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n")
        else:
            render_text(report, make_console(stream), lang)
    return EXIT_ERROR if report.errors else EXIT_OK


def _register_impact(
    old_dir: str | None, new_dir: str, register: str, reference: str | None, engine: str | None, fmt: str, output: str | None, lang: str
) -> int:
    """``rules impact --register``: the decisions the amendment would change."""
    from kpcheck.register.errors import RegisterError
    from kpcheck.tooling.register_impact import register_impact
    from kpcheck.tooling.register_impact_render import FORMATS

    try:
        report = register_impact(old_dir, new_dir, register, reference, engine)
    except (EngineUnavailable, RegisterError) as exc:
        raise Failed(f"{console_located(exc)}; {say('nothing was compared')}") from None
    except ImpactRulebookInvalid as exc:
        for problem in exc.errors:
            error(located(problem, lang))
        raise Failed(say("the {side} rulebook or its reference data does not load; nothing was compared", side=exc.side)) from None
    except SameRulebook as exc:
        raise Failed(
            say("the --old and the --new rulebook are the same (rulebook hash {sha}): nothing to compare", sha=exc.sha256[:12])
        ) from None
    with output_stream(output, "impact report") as stream:
        stream.write(FORMATS[fmt](report, lang))
    if report.unreadable:
        warning(say("{n} decision(s) whose submission could not be checked again are left out", n=report.unreadable))
    return EXIT_OK
