"""What the integration suite created and must have removed: a ledger the fixtures fill,
and the check the session runs at its end, in both modes.

Every name the suite makes starts with a stem unique to the fixture that made it
(``Wu1a2b3c4d``), so the check finds what is left by listing, not by remembering: a
resource a failed apply created and never reported is found too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from winupdate.run.teardown import images_of_instances, snapshots_of_instances


@dataclass
class Ledger:
    stems: set[str] = field(default_factory=set)
    instances: set[str] = field(default_factory=set)
    kms_keys: set[str] = field(default_factory=set)


def leftovers(client: Any, ledger: Ledger) -> list[str]:
    """One line per resource the suite created that still exists."""
    found: list[str] = []
    ec2 = client("ec2")
    ids = sorted(ledger.instances)
    if ids:
        reservations = ec2.describe_instances(InstanceIds=ids)["Reservations"]
        found += [
            f"instance {i['InstanceId']} is {i['State']['Name']}"
            for r in reservations
            for i in r["Instances"]
            if i["State"]["Name"] != "terminated"
        ]
        found += [f"image {i['ImageId']} {i['Name']}" for i in images_of_instances(ec2, ids)]
        found += [f"snapshot {s}" for s in snapshots_of_instances(ec2, ids)]
    for stem in sorted(ledger.stems):
        found += _named(client, stem)
    kms = client("kms")
    for key in sorted(ledger.kms_keys):
        try:
            state = kms.describe_key(KeyId=key)["KeyMetadata"]["KeyState"]
        except ClientError:
            continue
        # AWS never deletes a key at once: it waits out the deletion window.
        if state != "PendingDeletion":
            found.append(f"KMS key {key} is {state}")
    return found


def _named(client: Any, stem: str) -> list[str]:
    ssm, iam, sns, sqs = client("ssm"), client("iam"), client("sns"), client("sqs")
    found = [
        f"document {d['Name']}"
        for page in ssm.get_paginator("list_documents").paginate(
            Filters=[{"Key": "Owner", "Values": ["Self"]}]
        )
        for d in page["DocumentIdentifiers"]
        if d["Name"].startswith(stem)
    ]
    found += [
        f"parameter {p['Name']}"
        for page in ssm.get_paginator("get_parameters_by_path").paginate(
            Path=f"/{stem}", Recursive=True
        )
        for p in page["Parameters"]
    ]
    found += [
        f"maintenance window {w['WindowId']} {w['Name']}"
        for page in ssm.get_paginator("describe_maintenance_windows").paginate()
        for w in page["WindowIdentities"]
        if w["Name"].startswith(stem)
    ]
    found += [
        f"role {r['RoleName']}"
        for page in iam.get_paginator("list_roles").paginate()
        for r in page["Roles"]
        if r["RoleName"].startswith(stem)
    ]
    found += [
        f"instance profile {p['InstanceProfileName']}"
        for page in iam.get_paginator("list_instance_profiles").paginate()
        for p in page["InstanceProfiles"]
        if p["InstanceProfileName"].startswith(stem)
    ]
    found += [
        f"topic {t['TopicArn']}"
        for page in sns.get_paginator("list_topics").paginate()
        for t in page["Topics"]
        if stem in t["TopicArn"].rsplit(":", 1)[1]
    ]
    found += [f"queue {q}" for q in sqs.list_queues(QueueNamePrefix=stem).get("QueueUrls", [])]
    return found
