"""`hostwiz`: the one entry point, above both front ends. With a command, the CLI runs it; without
one, the TUI starts. Neither front end imports the other (import-linter: `cli | screens`)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    from hostwiz import cli

    args = cli.build_parser().parse_args(argv)
    if args.command:
        return cli.run(args)
    from hostwiz.screens.app import run_app
    from hostwiz.services.session import Options

    return run_app(Options.of(args))
