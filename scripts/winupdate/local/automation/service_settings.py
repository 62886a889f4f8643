"""The Automation service settings of SSM (GetServiceSetting / UpdateServiceSetting /
ResetServiceSetting), which moto lacks: per account and region, with AWS's defaults.

``/ssm/automation/throttling-retry-time-limit`` (0 to 3600 s, automation-throttling-retry)
is read by the runtime: how long a step retries a throttled call before it fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..dispatch import Call, operation
from ..errors import AwsError

THROTTLING_RETRY = "/ssm/automation/throttling-retry-time-limit"
# Setting id -> (default value, a check of a new value or None)
SETTINGS: dict[str, tuple[str, Any]] = {
    # Throttling retry is opt-in: with no time limit configured a throttled step fails.
    THROTTLING_RETRY: ("0", lambda v: v.isdigit() and 0 <= int(v) <= 3600),
    "/ssm/automation/enable-adaptive-concurrency": ("False", lambda v: v in ("True", "False")),
    "/ssm/automation/customer-script-log-destination": (
        "NONE",
        lambda v: v in ("NONE", "CloudWatch"),
    ),
    "/ssm/automation/customer-script-log-group-name": ("", None),
}


class ServiceSettingNotFound(AwsError):
    def __init__(self, setting_id: str) -> None:
        super().__init__(
            "ServiceSettingNotFound",
            f"The setting {setting_id} is not known; the embedded AWS has: "
            + ", ".join(sorted(SETTINGS)),
        )


@dataclass
class Customized:
    value: str
    modified: float
    user: str


_CUSTOMIZED: dict[tuple[str, str, str], Customized] = {}


def setting_value(account_id: str, region: str, setting_id: str) -> str:
    custom = _CUSTOMIZED.get((account_id, region, setting_id))
    return custom.value if custom else SETTINGS[setting_id][0]


def reset_all() -> None:
    _CUSTOMIZED.clear()


def _setting_id(call: Call) -> str:
    setting_id = str(call.params.get("SettingId", ""))
    # The API takes the id or the full ARN of the setting.
    if setting_id.startswith("arn:"):
        setting_id = "/" + setting_id.split(":servicesetting/", 1)[-1].lstrip("/")
    if setting_id not in SETTINGS:
        raise ServiceSettingNotFound(setting_id)
    return setting_id


def _describe(call: Call, setting_id: str) -> dict[str, Any]:
    custom = _CUSTOMIZED.get((call.account_id, call.region, setting_id))
    arn = f"arn:aws:ssm:{call.region}:{call.account_id}:servicesetting{setting_id}"
    modified = custom.modified if custom else call.aws.clock.now()
    return {
        "SettingId": setting_id,
        "SettingValue": custom.value if custom else SETTINGS[setting_id][0],
        "LastModifiedDate": datetime.fromtimestamp(modified, tz=UTC),
        "LastModifiedUser": custom.user if custom else "System",
        "ARN": arn,
        "Status": "Customized" if custom else "Default",
    }


@operation("ssm", "GetServiceSetting")
def get_service_setting(call: Call) -> dict[str, Any]:
    return {"ServiceSetting": _describe(call, _setting_id(call))}


@operation("ssm", "UpdateServiceSetting")
def update_service_setting(call: Call) -> dict[str, Any]:
    setting_id = _setting_id(call)
    value = str(call.params.get("SettingValue", ""))
    check = SETTINGS[setting_id][1]
    if check is not None and not check(value):
        raise AwsError(
            "ValidationException", f"The value {value!r} is not valid for the setting {setting_id}."
        )
    user = call.aws.service("automation").caller_arn(call.access_key, call.region, call.account_id)
    _CUSTOMIZED[(call.account_id, call.region, setting_id)] = Customized(
        value, call.aws.clock.now(), user
    )
    return {}


@operation("ssm", "ResetServiceSetting")
def reset_service_setting(call: Call) -> dict[str, Any]:
    setting_id = _setting_id(call)
    _CUSTOMIZED.pop((call.account_id, call.region, setting_id), None)
    return {"ServiceSetting": _describe(call, setting_id)}
