"""Everything that patches or wraps moto, in one room: a moto upgrade has one place to look.

- ``app``: moto's server answered without Flask's request machinery (same routing and
  callbacks).
- ``speedups``: moto without work it repeats on every request; answers unchanged.

Our own services' checks in front of moto's operations (``dispatch.before``/``after``) are
not patches: they live with the service they belong to.
"""
