"""Domain errors: one exception type carrying a machine-readable code.

Services raise `DomainError`; the API, the web views and the CLI turn it into a 4xx with
`{"code": ..., "message": ...}`, a form error, or an exit code and one line.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return body


class ValidationFailed(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404

    def __init__(self, message: str = "Not found", code: str = "not_found") -> None:
        super().__init__(code, message)


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409
