"""moto, without work it repeats on every request; what it answers is unchanged (and
its request ids from a random of their own).

A fleet simulation makes tens of thousands of requests; each of these costs grows with
the request count or with the size of the fleet.
"""

from __future__ import annotations

import functools
import itertools
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
    _one_instance_by_id()
    _images_by_tag_first()
    _cache_attribute_keys()
    _cache_xml_names()
    _known_accounts_without_lock()


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
        if not ami_ids and not exec_users and not owners:
            # Every instance moto launches looks its image up by this filter alone.
            ami_id = _one_exact(filters, "image-id")
            if ami_id is not None:
                image = self.amis.get(ami_id)
                return [image] if image is not None else []
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


def _is_exact(value: Any) -> bool:
    """A filter value that matches itself only (moto's filters use fnmatch)."""
    return isinstance(value, str) and not _PATTERN & set(value)


def _one_exact(filters: Any, name: str) -> str | None:
    """The one exact value of ``filters`` when it holds only the filter ``name``."""
    if not isinstance(filters, dict) or list(filters) != [name]:
        return None
    value = filters[name]
    if isinstance(value, list):
        if len(value) != 1:
            return None
        value = value[0]
    return value if _is_exact(value) else None


def _one_instance_by_id() -> None:
    """An instance by id (CreateImage, StartInstances, every instance a call names): moto
    looks at every instance of the region. Keep an index, checked on use: the instance must
    still be in the reservation it was found in, else the index is made again."""
    from moto.ec2.exceptions import InvalidInstanceIdError
    from moto.ec2.models.instances import InstanceBackend

    def get_instance(self: Any, instance_id: str) -> Any:
        for attempt in range(2):
            index = self.__dict__.get("_instance_index")
            if index is None or attempt:
                index = self.__dict__["_instance_index"] = {
                    instance.id: (reservation_id, instance)
                    for reservation_id, reservation in list(self.reservations.items())
                    for instance in reservation.instances
                }
            found = index.get(instance_id)
            if found is not None:
                reservation = self.reservations.get(found[0])
                if reservation is not None and found[1] in reservation.instances:
                    return found[1]
        raise InvalidInstanceIdError(instance_id)

    get_instance.__wrapped_scan__ = InstanceBackend.get_instance  # type: ignore[attr-defined]
    InstanceBackend.get_instance = get_instance  # type: ignore[method-assign]


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
            exact = isinstance(values, list) and values and all(map(_is_exact, values))
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


# Marks "no such attribute" in the descriptors below, apart from any value it could have.
_ABSENT = object()
# Where a shape keeps its descriptor token (with the parent it was taken under).
_TOKEN = "_winupdate_picker_token"
# Where a picker keeps its transformers' paths as last read.
_TRANSFORMS = "_winupdate_transform_paths"


def _cache_attribute_keys() -> None:
    """moto's serializer finds each member of an answer by trying the spellings its alias
    providers offer (six provider objects made, a dozen string tests and ``xform_name``
    per member, per request); then it tests the member's path against every response
    transformer of the service. The spellings depend only on the picker, the object's
    class, the key and the shape, the transformer only on the path and the transformers'
    paths, so remember them; values are still read and transformed every time.

    ``moto_pick`` / ``moto_get_value`` keep moto's own for the tests."""
    import moto.core.serialize as serialize
    from moto.core.utils import MISSING, get_value

    plain_pickers = (serialize.AttributePicker, serialize.XFormedAttributePicker)
    # The providers whose answers depend on nothing but what the key below holds.
    known_providers = frozenset(
        {
            serialize.ExplicitAlias,
            serialize.NoAlias,
            serialize.ModelAlias,
            serialize.ShapePrefixAlias,
            serialize.ClassPrefixAlias,
            serialize.ShapeNameAlias,
        }
    )
    moto_pick = serialize.AttributePicker.__call__
    moto_get_value = serialize.ResponseSerializer.get_value
    keys_by_lookup: dict[tuple[Any, ...], tuple[str, ...]] = {}
    tokens: dict[tuple[Any, ...], int] = {}
    # The server answers on several threads: next() and setdefault() are each atomic, so
    # two descriptors never share a token (``len(tokens)`` could).
    next_token = itertools.count()
    # Transformer paths in the dict's order -> {member path: the transformer path it takes}.
    transform_paths: dict[tuple[str, ...], dict[str, str | None]] = {}

    def shape_token(shape: Any) -> int | None:
        """What the providers read of a shape, as a small int: its name, type and
        serialized name, and its parent's type, name and member names. moto sets
        ``parent`` as it walks, so the token is kept with the parent it was taken under.
        None: the shape is none of the usual, so nothing is cached for it."""
        parent = getattr(shape, "parent", _ABSENT)
        memo = getattr(shape, _TOKEN, None)
        if memo is not None and memo[0] is parent:
            return memo[1]
        try:
            if parent is _ABSENT:
                of_parent: tuple[Any, ...] = (_ABSENT,)
            else:
                members = getattr(parent, "members", _ABSENT)
                of_parent = (
                    getattr(parent, "type_name", _ABSENT),
                    getattr(parent, "name", _ABSENT),
                    _ABSENT if members is _ABSENT else tuple(members),
                )
            described = (
                shape.name,
                shape.type_name,
                shape.serialization.get("name", _ABSENT),
                of_parent,
            )
            token = tokens.setdefault(described, next(next_token))
            setattr(shape, _TOKEN, (parent, token))
        except Exception:  # an unusual shape: moto's own way decides
            return None
        return token

    def possible_keys(
        picker: Any, obj: Any, key: str, shape: Any, service: Any, context: Any
    ) -> tuple[str, ...]:
        providers = tuple(picker.alias_providers)
        cls = obj.__class__
        cacheable = (
            type(picker) in plain_pickers
            and known_providers.issuperset(providers)
            and cls is type(obj)
            # ExplicitAlias reads obj.Meta: only a class's own Meta is the class's answer.
            and getattr(obj, "Meta", None) is getattr(cls, "Meta", None)
        )
        token = None
        if cacheable and shape is not None:
            token = shape_token(shape)
            cacheable = token is not None
        if not cacheable:
            return tuple(picker.get_possible_keys(context()))
        lookup = (type(picker), providers, service, cls, key, token)
        keys = keys_by_lookup.get(lookup)
        if keys is None:
            keys = keys_by_lookup[lookup] = tuple(picker.get_possible_keys(context()))
        return keys

    def transform_path(picker: Any, transformers: dict[str, Any], key_path: str) -> str | None:
        """The first transformer path ``key_path`` ends with, as moto's loop finds it.
        The dict's paths are read again when it grows (moto's responses add to their
        class's dict as they answer); the transformers themselves are read every time."""
        memo = picker.__dict__.get(_TRANSFORMS)
        if memo is None or memo[0] is not transformers or memo[1] != len(transformers):
            paths = tuple(transformers)
            memo = (transformers, len(paths), transform_paths.setdefault(paths, {}))
            picker.__dict__[_TRANSFORMS] = memo
        found = memo[2]
        if key_path not in found:
            found[key_path] = next((p for p in transformers if key_path.endswith(p)), None)
        return found[key_path]

    def pick(
        picker: Any, obj: Any, key: str, shape: Any, service: Any, key_path: Any, context: Any
    ) -> Any:
        keys = possible_keys(picker, obj, key, shape, service, context)
        value = MISSING
        if not hasattr(obj, "__getitem__"):
            # moto's get_value, unrolled: most keys are tried on an object that has none.
            for possible_key in keys:
                if "." in possible_key:
                    value = get_value(obj, possible_key, MISSING)
                else:
                    value = getattr(obj, possible_key, MISSING)
                if value is not MISSING:
                    break
        else:
            for possible_key in keys:
                value = get_value(obj, possible_key, MISSING)
                if value is not MISSING:
                    break
        if value is MISSING:
            value = None
        transformers = picker.response_transformers
        if transformers:
            path = transform_path(picker, transformers, f"{key_path()}.{key}")
            if path is not None:
                transform = transformers.get(path)
                if transform is None:  # gone since the paths were read: moto's own loop
                    return moto_pick(picker, context())
                value = transform(value)
        return value

    def pick_with_context(self: Any, context: Any) -> Any:
        service = context.service_model
        return pick(
            self,
            context.obj,
            context.key,
            context.shape,
            None if service is None else service.service_name,
            lambda: context.key_path,
            lambda: context,
        )

    def serializer_get_value(self: Any, value: Any, key: str, shape: Any) -> Any:
        picker = self._value_picker
        if type(picker).__call__ is not pick_with_context:
            return moto_get_value(self, value, key, shape)

        def key_path() -> str:
            return ".".join(self.path)

        def context() -> Any:
            return serialize.AttributePickerContext(
                obj=value,
                key=key,
                shape=shape,
                operation_model=self.operation_model,
                service_model=self.operation_model.service_model,
                key_path=key_path(),
            )

        service = self.operation_model.service_model.service_name
        return pick(picker, value, key, shape, service, key_path, context)

    serialize.AttributePicker.__call__ = pick_with_context
    serialize.ResponseSerializer.get_value = serializer_get_value
    _cache_attribute_keys.moto_pick = moto_pick  # type: ignore[attr-defined]
    _cache_attribute_keys.moto_get_value = moto_get_value  # type: ignore[attr-defined]


def _cache_xml_names() -> None:
    """xmltodict checks every element name of every answer character by character; a
    name that passed once passes again (the check reads nothing but the name)."""
    import xmltodict

    moto_check = getattr(xmltodict, "_validate_name", None)
    if moto_check is None:
        return
    passed: set[str] = set()

    def validate_name(value: Any, kind: str) -> None:
        if value.__class__ is str and value in passed:
            return
        moto_check(value, kind)
        # Names come from the service models; the bound only guards against data-made ones.
        if value.__class__ is str and len(passed) < 10_000:
            passed.add(value)

    xmltodict._validate_name = validate_name
    _cache_xml_names.moto_check = moto_check  # type: ignore[attr-defined]


def _known_accounts_without_lock() -> None:
    """Every lookup of a backend (``ec2_backends[account]``, many per request) took moto's
    global lock and compared the service's backend dict with every other one
    (``self not in BackendDict._instances``, a Python ``__eq__`` each) to register it for a
    reset. An account already in the dict was put there by that same method, after
    which it registered the dict; a reset empties both. So a known account needs
    neither; an unknown one takes moto's own path."""
    from moto.core.base_backend import BackendDict

    moto_create = BackendDict._create_account_specific_backend

    def _create_account_specific_backend(self: Any, account_id: str) -> None:
        if not dict.__contains__(self, account_id):
            moto_create(self, account_id)

    BackendDict._create_account_specific_backend = _create_account_specific_backend
