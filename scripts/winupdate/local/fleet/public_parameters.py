"""The public SSM parameters that name the latest Windows Server images, and those images.

AWS publishes ``/aws/service/ami-windows-latest/<image name>`` in every region, readable
from any account, its value the id of an Amazon-owned Windows AMI. moto loads the Amazon
Linux ones itself (``ssm/models.py`` ``_load_latest_amis``) but no Windows ones, and its
stock Windows AMIs are of 2017 with no 2019/2022 Full-Base. So, per region and on the first
request that could need them (a parameter read, DescribeImages, RunInstances), we register
one Amazon-owned image per name below in moto's EC2 (``platform: windows``, public) and
put the parameter that names it into moto's SSM, the way ``owned_documents`` installs
AWS's documents. A moto reset empties both; the next request installs them again.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import datetime

from moto.ec2.models import ec2_backends
from moto.ec2.models.amis import Ami
from moto.ssm.models import Parameter, ssm_backends

from ..dispatch import Call, before

PREFIX = "/aws/service/ami-windows-latest/"
# The owner AWS's own Windows AMIs show (moto's stock Windows images use it too).
AMAZON_OWNER_ID = "801119661308"
# The build date in the image names, as AWS's monthly images carry one.
RELEASE = "2025.11.12"
RELEASED = datetime(2025, 11, 12)
IMAGE_NAMES = (
    "Windows_Server-2022-English-Full-Base",
    "Windows_Server-2019-English-Full-Base",
    "Windows_Server-2016-English-Full-Base",
)


def parameter_name(image_name: str) -> str:
    return PREFIX + image_name


@functools.cache
def image_id(image_name: str, region: str) -> str:
    """A stable id per name and region: real AMI ids differ between regions, too."""
    digest = hashlib.sha256(f"{region}/{image_name}".encode()).hexdigest()[:17]
    return f"ami-{digest}"


def install(region: str, account_id: str) -> None:
    """Register the images and their parameters in ``region`` unless they are there."""
    ec2 = ec2_backends[account_id][region]
    ssm = ssm_backends[account_id][region]
    for name in IMAGE_NAMES:
        ami_id = image_id(name, region)
        if ami_id not in ec2.amis:
            ec2.amis[ami_id] = Ami(
                ec2,
                ami_id,
                name=f"{name}-{RELEASE}",
                description=f"Microsoft {name.replace('_', ' ').replace('-', ' ')}",
                owner_id=AMAZON_OWNER_ID,
                owner_alias="amazon",
                public=True,
                virtualization_type="hvm",
                architecture="x86_64",
                platform="windows",
                hypervisor="xen",
                root_device_type="ebs",
                region_name=f"{region}a",
                boot_mode="uefi",
                creation_date=RELEASED,
            )
        parameters = ssm._parameters
        key = parameter_name(name)
        # dict.__contains__, not ParameterDict's: that one lazy-loads moto's own trees.
        if not dict.__contains__(parameters, key):
            parameters.setdefault(key, []).append(
                Parameter(
                    account_id=account_id,
                    name=key,
                    value=ami_id,
                    parameter_type="String",
                    description=None,
                    allowed_pattern=None,
                    keyid=None,
                    last_modified_date=RELEASED,
                    version=1,
                    data_type="text",
                )
            )


@before("ssm", "GetParameter")
@before("ssm", "GetParameters")
@before("ssm", "GetParametersByPath")
@before("ssm", "DescribeParameters")
@before("ec2", "DescribeImages")
@before("ec2", "RunInstances")
def _install_for_region(call: Call) -> None:
    install(call.region, call.account_id)
