"""EventBridge Scheduler schedules fired on the embedded AWS's clock (moto stores them and
answers CreateSchedule/GetSchedule/...; it never invokes a target). ``scheduler``: when a
schedule is due and what its invocation does; ``control``: pause it, follow it in virtual
time, read its invocations. Importing registers the control."""

from . import control as control
