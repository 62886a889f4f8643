"""moto, without work it repeats on every request; what it answers is unchanged (and
its request ids from a random of their own).

A fleet simulation makes tens of thousands of requests; each of these costs grows with
the request count or with the size of the fleet.
"""

from __future__ import annotations

import functools
import random
from typing import Any

#: The request ids moto puts on its answers, drawn from their own seeded random: drawn
#: from the one that makes resource ids, every answer would move every later id, and a
#: poll answered again from its fingerprint (no request) would change the run's ids.
request_ids = random.Random(0)


def speed_up_moto() -> None:
    _own_request_ids()
    _cache_module_list()
    _cache_method_names()
    _tags_by_resource()
    _one_image_by_id()
    _images_by_tag_first()


def _own_request_ids() -> None:
    import string

    import moto.core.responses

    alphabet = string.ascii_letters + string.digits  # as moto draws them

    def gen_amzn_requestid_long(headerdict: dict[str, Any] | None = None) -> str:
        request_id = "".join(request_ids.choice(alphabet) for _ in range(52))
        if isinstance(headerdict, dict):
            headerdict["x-amzn-requestid"] = request_id
        return request_id

    moto.core.responses.gen_amzn_requestid_long = gen_amzn_requestid_long


def _cache_module_list() -> None:
    """moto's dispatcher lists its own package folder (a stat per entry) on every request
    to recognise a host; the list never changes while the server runs."""
    import moto.backends

    listing = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: listing


def _cache_method_names() -> None:
    """moto lists a response class's methods (``inspect.getmembers``) on every request to
    find the action's handler; a class's methods do not change while the server runs."""
    import moto.core.responses

    moto.core.responses.method_names_from_class = functools.cache(
        moto.core.responses.method_names_from_class
    )


def _tags_by_resource() -> None:
    """An EC2 resource's tags: moto finds them by matching every tag of the region against
    the resource's id (``describe_tags`` with a ``resource-id`` filter, an exact match), so
    rendering one AMI of a 500-instance fleet scanned thousands of tags. Read the
    resource's own entry instead: the same tags, in the same order, in the same shape."""
    from moto.ec2.models.core import TaggedEC2Resource
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix

    def get_tags(self: Any) -> list[dict[str, str]]:
        if not self.id:
            return []
        tags = self.ec2_backend.tags.get(self.id) or {}
        kind = EC2_PREFIX_TO_RESOURCE.get(get_prefix(self.id), "")
        return [
            {"resource_id": self.id, "key": key, "value": value, "resource_type": kind}
            for key, value in tags.copy().items()
        ]

    TaggedEC2Resource.get_tags = get_tags


def _one_image_by_id() -> None:
    """DescribeImages for one ImageId: moto copies and scans every AMI of the region (its
    own catalogue plus each one a fleet made). With ImageIds moto ignores the other
    filters; take the one image from its dict, with moto's errors."""
    from moto.ec2.exceptions import InvalidAMIIdError, MalformedAMIIdError
    from moto.ec2.models.amis import AmiBackend

    scan = AmiBackend.describe_images

    def describe_images(
        self: Any,
        ami_ids: list[str] | None = None,
        filters: Any = None,
        exec_users: Any = None,
        owners: Any = None,
    ) -> list[Any]:
        if not ami_ids or len(ami_ids) != 1:
            return scan(self, ami_ids, filters, exec_users, owners)
        (ami_id,) = ami_ids
        if not ami_id.startswith("ami-"):
            raise MalformedAMIIdError(ami_ids)
        image = self.amis.get(ami_id)
        if image is None and ami_id not in self.deleted_amis:
            raise InvalidAMIIdError(ami_ids)
        return [image] if image is not None else []

    describe_images.__wrapped_scan__ = scan  # type: ignore[attr-defined]
    AmiBackend.describe_images = describe_images


# Characters that make a filter value a pattern (fnmatch), not one exact value.
_PATTERN = frozenset("*?[")


def _images_by_tag_first() -> None:
    """DescribeImages with ``tag:<key>`` filters (the module's AMI retention lists an
    instance's images by tag): moto matches every filter against every image, each match
    looking the image's tags up again. Drop first the images whose tag is none of the
    exact values asked for; moto's own filter then decides on the rest, so the answer is
    the same."""
    import moto.ec2.models.amis as amis
    from moto.ec2.models.core import TaggedEC2Resource

    match_all = amis.generic_filter

    def generic_filter(filters: dict[str, Any], objects: list[Any]) -> list[Any]:
        for name, values in (filters or {}).items():
            exact = (
                isinstance(values, list)
                and values
                and all(isinstance(v, str) and not _PATTERN & set(v) for v in values)
            )
            if not name.startswith("tag:") or not exact:
                continue
            key, wanted = name[4:], set(values)
            objects = [
                o
                for o in objects
                if not isinstance(o, TaggedEC2Resource)
                or (o.ec2_backend.tags.get(o.id) or {}).get(key) in wanted
            ]
        return match_all(filters, objects)

    amis.generic_filter = generic_filter
