"""The embedded AWS: moto plus our services (``server.EmbeddedAws``).

Importing this package imports nothing of moto: the CLI reads ``DEFAULT_PORT`` from here,
and a user who only drives runs against a real account installs ``winupdate`` without
the embedded AWS's packages (``winupdate[local]``).
"""

DEFAULT_PORT = 4599
# The packages the embedded AWS needs beyond the CLI's (pyproject.toml, extra "local").
EXTRA = "local"
