"""What the package's command lines share (``python -m sklearn_htm.nab``,
``python -m sklearn_htm.streams``)."""

import argparse


def positive_int(text):
    """An ``argparse`` type: an integer of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def run_command(parser, command, argv=None, errors=(FileNotFoundError, NotADirectoryError,
                                                     ValueError)):
    """Parse ``argv`` and run ``command(args)``; an error of the user's (a
    missing file, bad input) exits with status 2 and one line, as argparse
    does for bad options."""
    args = parser.parse_args(argv)
    try:
        return command(args)
    except errors as exc:
        parser.exit(2, f"{parser.prog} {args.command}: error: {exc}\n")
