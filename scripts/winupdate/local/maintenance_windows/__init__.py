"""SSM maintenance windows on the embedded AWS, as one service.

- ``store``: windows, targets and tasks on moto's own store, where moto 5.2.5 lacks an
  operation or answers wrongly (filters, Get/Update operations, registration checks).
- ``models``, ``targets``, ``runner``, ``responses``: running a window now (an emulator
  control), its executions, tasks and invocations as the window execution APIs show them.
"""

# Importing registers the handlers: the store's operations and checks, the run operations
# and the control (the two register no hook on the same operation: order does not matter).
from . import responses as responses
from . import store as store
