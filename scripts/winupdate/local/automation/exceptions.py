"""The Automation API's errors, one class per AWS error code (botocore's SSM model)."""

from __future__ import annotations

from ..errors import AwsError


class AutomationDefinitionNotFoundException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("AutomationDefinitionNotFoundException", message)


class AutomationDefinitionVersionNotFoundException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("AutomationDefinitionVersionNotFoundException", message)


class InvalidAutomationExecutionParametersException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidAutomationExecutionParametersException", message)


class AutomationExecutionNotFoundException(AwsError):
    def __init__(self, execution_id: str) -> None:
        super().__init__(
            "AutomationExecutionNotFoundException",
            f"Automation execution {execution_id} does not exist.",
        )


class InvalidAutomationSignalException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidAutomationSignalException", message)


class InvalidAutomationStatusUpdateException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidAutomationStatusUpdateException", message)


class InvalidFilterKey(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidFilterKey", message)


class InvalidFilterValue(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidFilterValue", message)


class InvalidNextToken(AwsError):
    def __init__(self, message: str = "The specified token isn't valid.") -> None:
        super().__init__("InvalidNextToken", message)


class AutomationExecutionLimitExceededException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("AutomationExecutionLimitExceededException", message)


class InvalidTarget(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidTarget", message)


class IdempotentParameterMismatch(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("IdempotentParameterMismatch", message)


class ValidationException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class AutomationStepNotFoundException(AwsError):
    def __init__(self, message: str) -> None:
        super().__init__("AutomationStepNotFoundException", message)
