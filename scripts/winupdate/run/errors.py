"""Errors a run can meet, and the one place that turns botocore's exceptions into them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from ..errors import WinUpdateError

# Codes with which AWS rejects the credentials themselves, whatever the operation.
BAD_CREDENTIALS = {
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
}


class AwsUnavailable(WinUpdateError):
    """No credentials, no region, or an endpoint that does not answer."""


class UnknownDocument(WinUpdateError):
    pass


class ExecutionNotFound(WinUpdateError):
    pass


class NotAnApprover(WinUpdateError):
    pass


class RunInProgress(WinUpdateError):
    pass


class BadParameter(WinUpdateError):
    exit_code = 2


def error_code(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Code", ""))


def error_message(err: ClientError) -> str:
    return str(err.response.get("Error", {}).get("Message", "")) or str(err)


@contextlib.contextmanager
def aws_errors(
    doing: str, region: str | None = None, endpoint: str | None = None
) -> Iterator[None]:
    """Turn botocore's exceptions raised while ``doing`` something into one-line errors.

    Callers catch the codes they expect (an unknown document, a missing execution) inside
    this block; everything else lands here.
    """
    where = f"region {region}" + (f" at {endpoint}" if endpoint else "")
    try:
        yield
    except WinUpdateError:
        raise
    except (NoCredentialsError, PartialCredentialsError) as err:
        raise AwsUnavailable(
            "no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            f"AWS_SECRET_ACCESS_KEY ({err})"
        ) from err
    except NoRegionError as err:
        raise AwsUnavailable("no AWS region: set AWS_DEFAULT_REGION or pass --region") from err
    except (EndpointConnectionError, ConnectTimeoutError) as err:
        raise AwsUnavailable(
            f"cannot reach AWS in {where} while {doing}: {err}; check the region and "
            "AWS_ENDPOINT_URL"
        ) from err
    except ReadTimeoutError as err:
        raise AwsUnavailable(f"AWS in {where} did not answer in time while {doing}") from err
    except ClientError as err:
        code = error_code(err)
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in BAD_CREDENTIALS:
            raise AwsUnavailable(
                f"AWS rejected the credentials while {doing}: {error_message(err)}"
            ) from err
        if code in ("AccessDenied", "AccessDeniedException"):
            raise WinUpdateError(f"access denied while {doing}: {error_message(err)}") from err
        if isinstance(status, int) and status >= 500:
            raise AwsUnavailable(
                f"AWS in {where} answered HTTP {status} while {doing}; is the region right?"
            ) from err
        raise WinUpdateError(f"{doing}: {code}: {error_message(err)}") from err
    except BotoCoreError as err:
        raise AwsUnavailable(f"{doing}: {err}") from err
