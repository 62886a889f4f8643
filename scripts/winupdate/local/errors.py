"""AWS-shaped errors raised by the embedded AWS's own handlers."""

from __future__ import annotations


class AwsError(Exception):
    """An error answered the way AWS answers it: an error code, a message, an HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


class ValidationException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)
