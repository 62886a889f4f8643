"""Errors a user can meet. The CLI turns each into one line and an exit code."""


class WinUpdateError(Exception):
    """Base of every error the CLI reports without a traceback."""

    exit_code = 1


class UsageError(WinUpdateError):
    exit_code = 2
