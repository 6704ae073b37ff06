"""Errors as the operator reads them: one exception for expected failures, one describer for the rest."""

from __future__ import annotations

OK, FAILED, BAD_INPUT = 0, 1, 2  # exit statuses: success, the operation failed, bad input


class UserError(Exception):
    """An expected failure with a message that says what to do; `code` is the exit status
    (FAILED, or BAD_INPUT when nothing was attempted). Front ends show the message, no traceback."""

    def __init__(self, message: str, code: int = FAILED):
        super().__init__(message)
        self.code = code


def describe_error(err: BaseException) -> str:
    """An error in plain words (AWS code and message, no traceback)."""
    response = getattr(err, "response", None)
    if isinstance(response, dict) and "Error" in response:
        e = response["Error"]
        return f"{e.get('Code')}: {e.get('Message')}"
    return str(err) or err.__class__.__name__
