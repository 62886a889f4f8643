"""Running maintenance windows on the embedded AWS: a control that runs a window now, and
the window execution APIs (``DescribeMaintenanceWindowExecutions`` and the task and
invocation calls) answered from what the run recorded.

``models`` holds the records, ``targets`` resolves a task's targets, ``runner`` runs a
window execution on the Automation engine, ``responses`` registers the operations.
"""

from . import responses as responses  # registers the operations and the control
