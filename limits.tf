# What AWS accepts, as the validations in variables.tf check it at plan time. Constants
# only: a validation may read these, not the names made from the variable it validates.
locals {
  # Reference: Cron and rate expressions for Systems Manager (SSM User Guide). A maintenance
  # window's cron expression has six fields: minutes, hours, day-of-month, month,
  # day-of-week, year. Each field is a list (,) of values, ranges (-) or * with an optional
  # increment (/; not in day-of-week); day-of-month also takes ?, L, LW and <day>W,
  # day-of-week ?, L, <day>L and <day>#<1-5>. One of the two day fields must be ?.
  cron_values = {
    minutes  = "[0-5]?[0-9]"
    hours    = "[01]?[0-9]|2[0-3]"
    days     = "[1-9]|[12][0-9]|3[01]"
    months   = "[1-9]|1[0-2]|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
    weekdays = "[1-7]|SUN|MON|TUE|WED|THU|FRI|SAT"
    years    = "19[7-9][0-9]|2[01][0-9][0-9]"
  }
  cron_items = {
    for field, value in local.cron_values :
    field => format("(\\*|(%s)(-(%s))?)%s", value, value, field == "weekdays" ? "" : "(/[0-9]{1,3})?")
  }
  cron_lists = { for field, item in local.cron_items : field => "(${item})(,(${item}))*" }
  cron_field_patterns = [
    "^(?i)${local.cron_lists.minutes}$",
    "^(?i)${local.cron_lists.hours}$",
    "^(?i)(\\?|L|LW|(${local.cron_values.days})W|${local.cron_lists.days})$",
    "^(?i)${local.cron_lists.months}$",
    "^(?i)(\\?|L|(${local.cron_values.weekdays})L|(${local.cron_values.weekdays})#[1-5]|${local.cron_lists.weekdays})$",
    "^(?i)${local.cron_lists.years}$",
  ]
  # rate(<value> <unit>): a singular unit for 1, a plural one above; at(<UTC timestamp>) runs once.
  rate_pattern = "^rate\\((1 (minute|hour|day)|([2-9]|[1-9][0-9]+) (minutes|hours|days))\\)$"
  at_pattern   = "^at\\([0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\\)$"

  # ScheduleTimezone takes IANA names (Maintenance window scheduling and active period
  # options, SSM User Guide). Terraform cannot list the IANA database, so this accepts UTC,
  # GMT, Etc/UTC, Etc/GMT and Etc/GMT+N / Etc/GMT-N (N 0-14) and canonical Area/Location or
  # Area/Region/Location names under the IANA areas. It does not catch a location that does
  # not exist inside a real area (Europe/Atlantis), and it refuses the legacy link names
  # (US/Eastern, Japan, EST5EDT): use the canonical name they point to.
  timezone_pattern = "^(UTC|GMT|Etc/(UTC|GMT|GMT[+-]([0-9]|1[0-4]))|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific)/[A-Z][A-Za-z_-]*(/[A-Z][A-Za-z_-]*)?)$"

  # CreateMaintenanceWindow Name (SSM API Reference).
  window_name_pattern = "^[a-zA-Z0-9_.-]{3,128}$"

  # Tag restrictions shared by every resource the module tags (Tagging AWS resources; the
  # IAM, SNS, KMS and SSM API references): keys of 1-128 and values of 0-256 characters of
  # letters, digits, spaces and _ . : / = + - @, no key starting with aws:, at most 50 tags
  # (IAM's and SNS's limit per resource, the lowest of the module's services).
  tag_pattern = "^[\\p{L}\\p{Z}\\p{N}_.:/=+@-]*$"
}

locals {
  # What a hook's parameters may not contain, rendered into the per-instance runbook: a
  # Terraform interpolation or directive opener (a dollar or percent sign before a brace),
  # which the runbooks module refuses in a rendered runbook, and a double brace, which
  # Automation reads as one of its variables. Built, not written escaped: checkov's HCL
  # parser cannot lex an escaped marker (modules/runbooks says more).
  rendered_markers = concat([for sign in ["$", "%"] : "${sign}{"], ["{{"])
}
