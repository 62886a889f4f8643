locals {
  # Only ${...} is rendered here; the runbooks' own {{ }} variables pass through untouched.
  template_variables = {
    document_names  = var.document_names
    role_arn        = var.role_arn
    parameter_names = var.parameter_names
    defaults        = var.defaults
  }

  documents = {
    for file in fileset(var.documents_path, "*.yaml") :
    trimsuffix(file, ".yaml") => templatefile("${var.documents_path}/${file}", local.template_variables)
  }

  # What starts a Terraform interpolation or directive (a dollar or a percent sign before a
  # brace): none may be left in a rendered runbook. Built, not written as escaped literals,
  # because checkov's HCL parser (python-hcl2) cannot lex an escaped marker in a string and
  # stalls past its time limit on one in a longer string, and then skips this whole file.
  template_markers = [for sign in ["$", "%"] : "${sign}{"]
}

resource "aws_ssm_document" "this" {
  for_each = local.documents

  name            = var.document_names[each.key]
  document_type   = "Automation"
  document_format = "YAML"
  content         = each.value
  tags            = var.tags

  # No version_name: an update creates a new version that the provider makes the
  # default, so a content change never fails with "version is not latest".

  lifecycle {
    precondition {
      condition     = contains(keys(var.document_names), each.key)
      error_message = "documents/${each.key}.yaml has no entry in document_names, so no other runbook could reference it by name."
    }
    precondition {
      condition     = alltrue([for marker in local.template_markers : !strcontains(each.value, marker)])
      error_message = "The rendered ${each.key} runbook still contains a template marker (a dollar or percent sign before a brace); write a literal one with the sign doubled in the template."
    }
    precondition {
      condition     = can(yamldecode(each.value).mainSteps)
      error_message = "The rendered ${each.key} runbook is not YAML with mainSteps, which Automation would reject."
    }
  }
}
