"""Requests sent as bytes, as a client that is not botocore may send them."""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

from botocore.awsrequest import HeadersDict


def scope(service: str) -> str:
    """An Authorization header with the credential scope of the root test key."""
    return (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host, Signature=none"
    )


def json_headers(operation: str, prefix: str = "AmazonSSM") -> dict[str, str]:
    return {
        "X-Amz-Target": f"{prefix}.{operation}",
        "Content-Type": "application/x-amz-json-1.1",
        "Authorization": scope("ssm"),
    }


def raw(endpoint, body: bytes, headers: dict[str, str], method: str = "POST", path: str = "/"):
    """(status, headers, body) of one request sent as given."""
    parts = urlsplit(endpoint)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, HeadersDict(response.getheaders()), response.read()
    finally:
        connection.close()
