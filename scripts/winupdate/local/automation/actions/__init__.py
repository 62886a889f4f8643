"""One module per action the embedded AWS runs; importing this package registers them all."""

from . import (  # noqa: F401
    approve,
    aws_resource_property,
    branch,
    change_instance_state,
    create_image,
    create_tags,
    creation_checks,
    delete_image,
    execute_automation,
    execute_aws_api,
    execute_script,
    pause,
    run_command,
    sleep,
)
