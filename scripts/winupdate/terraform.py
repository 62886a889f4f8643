"""The one adapter around python-terraform, and where Terraform finds the AWS provider.

Offline machines carry a filesystem mirror of the provider; ``cli_config_env``
points Terraform at it when one is found (``WINUPDATE_TF_PLUGIN_MIRROR`` overrides
the location). With no mirror, Terraform uses the registry as usual.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

MIRROR_ENV = "WINUPDATE_TF_PLUGIN_MIRROR"
MIRROR_CANDIDATES = ("/opt/tf-plugins", "~/.terraform.d/plugins", "~/.local/share/terraform/plugins")


def find_mirror() -> Path | None:
    """The provider mirror to use: ``$WINUPDATE_TF_PLUGIN_MIRROR``, else a known location."""
    override = os.environ.get(MIRROR_ENV)
    if override:
        path = Path(override).expanduser()
        return path if path.is_dir() else None
    for candidate in MIRROR_CANDIDATES:
        path = Path(candidate).expanduser()
        if (path / "registry.terraform.io" / "hashicorp" / "aws").is_dir():
            return path
    return None


def cli_config_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a Terraform subprocess: ``TF_CLI_CONFIG_FILE`` set to use the mirror."""
    env = dict(os.environ if base is None else base)
    mirror = find_mirror()
    if mirror is None:
        return env
    config = Path(tempfile.gettempdir()) / f"winupdate-terraformrc-{os.getuid()}"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        '  direct {\n    exclude = ["registry.terraform.io/hashicorp/*"]\n  }\n'
        "}\n"
    )
    env["TF_CLI_CONFIG_FILE"] = str(config)
    return env
