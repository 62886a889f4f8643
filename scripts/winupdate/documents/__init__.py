"""Runbooks as files: load them with positions, render them as Terraform deploys them,
and validate them (``winupdate validate``)."""
