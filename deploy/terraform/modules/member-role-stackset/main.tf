# The member role in every account of the target OUs: a service-managed
# StackSet of deploy/cloudformation/member-role.yaml (the very template, so
# both routes grant the same actions) with auto-deployment to accounts that
# join later. Apply it with a provider for the management account (or a
# delegated StackSets administrator, call_as = "DELEGATED_ADMIN"). IAM is
# global, so the stack instances live in one region, the provider's.
# Service-managed StackSets never reach the management account itself: use
# the readonly-role module (kind = "member") there if it is to be scanned.

data "aws_region" "current" {}

resource "aws_cloudformation_stack_set" "member_role" {
  name             = "${var.role_name}-member-role"
  description      = "cellscan read-only member role in every account of the target OUs"
  permission_model = "SERVICE_MANAGED"
  call_as          = var.call_as
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = file("${path.module}/../../../cloudformation/member-role.yaml")
  parameters = {
    RoleName            = var.role_name
    ScannerPrincipalArn = var.scanner_principal_arn
    ExternalId          = var.external_id
    PrincipalOrgId      = var.principal_org_id
    MaxSessionDuration  = tostring(var.max_session_duration)
  }
  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }
  managed_execution {
    active = true
  }
  operation_preferences {
    region_concurrency_type      = "PARALLEL"
    max_concurrent_percentage    = 25
    failure_tolerance_percentage = 10
  }
  lifecycle {
    # AWS fills it in for service-managed StackSets.
    ignore_changes = [administration_role_arn]
  }
}

resource "aws_cloudformation_stack_set_instance" "member_role" {
  stack_set_name = aws_cloudformation_stack_set.member_role.name
  call_as        = var.call_as
  region         = data.aws_region.current.name
  deployment_targets {
    organizational_unit_ids = var.target_ou_ids
  }
}
