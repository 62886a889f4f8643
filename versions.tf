terraform {
  # 1.9: a variable's validation may refer to another variable (exclude_kbs to include_kbs).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0, < 7.0"
    }
  }
}
