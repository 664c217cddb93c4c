"""Domain errors raised by services. The API maps them to status codes (portal.api.errors);
pages show their message to the user."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: `message` is shown to users (Chinese)."""

    status_code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidTransition(DomainError):
    """The object's state does not allow this action (API: 409)."""

    status_code = 409


class RuleViolation(DomainError):
    """Input breaks a business rule. `errors` maps field names to messages (API: 400)."""

    status_code = 400

    def __init__(self, message: str | None = None, *, errors: dict[str, list[str]] | None = None) -> None:
        self.errors = errors or {}
        if message is None:
            message = "；".join(m for msgs in self.errors.values() for m in msgs) or "输入不符合规则"
        super().__init__(message)
        if not self.errors:
            self.errors = {"non_field_errors": [message]}


class Conflict(DomainError):
    """A concurrent or duplicate operation (API: 409)."""

    status_code = 409
