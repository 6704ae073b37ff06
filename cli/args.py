"""Argument types for the command line: a bad stack name or region is refused by argparse (exit 2,
naming the argument) before any AWS call, with the same rules and words as the spec file."""

from __future__ import annotations

import argparse
from typing import Callable


def _checked(check: Callable[[str], str], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        try:
            return check(text)
        except ValueError as err:
            message = str(err) if str(err).startswith("'") else f"{text!r} {err}"
            raise argparse.ArgumentTypeError(message) from None

    parse.__name__ = what
    return parse


def _name(text: str) -> str:
    from hostwiz.spec import StackSpec

    return StackSpec._name(text)


def _region(text: str) -> str:
    from hostwiz.spec import StackSpec

    return StackSpec._region(text)


stack_name = _checked(_name, "stack name")
region_name = _checked(_region, "region")


class _Help(argparse.HelpFormatter):
    """Descriptions wrap; the examples keep their lines."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith("examples:"):
            return "".join(indent + line + "\n" for line in text.splitlines())
        return super()._fill_text(text, width, indent)


def helps(summary: str, description: str, *examples: str) -> dict:
    """`add_parser` keywords: the one-line summary, what the command does, and examples."""
    return {"help": summary, "description": description, "formatter_class": _Help,
            "epilog": "examples:\n" + "\n".join(f"  {e}" for e in examples)}
