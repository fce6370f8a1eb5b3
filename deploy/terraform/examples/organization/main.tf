# From an organization to a scanner that may read it: the scanner task role
# in the scanner account, the org-discovery role and the member-role StackSet
# in the management account, and the member role in the management account
# itself (StackSets do not deploy there). Values are examples.
#
#   terraform init && terraform apply -var external_id=$(openssl rand -hex 16)

terraform {
  required_version = ">= 1.3"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

variable "external_id" {
  description = "The sts:ExternalId shared by the roles and the fleet (CELLSCAN_EXTERNAL_ID)."
  type        = string
  sensitive   = true
}

variable "region" {
  description = "Home region of the fleet and of the StackSet instances."
  type        = string
  default     = "us-east-1"
}

variable "target_ou_ids" {
  description = "OUs (or the root) whose accounts are scanned."
  type        = list(string)
  default     = ["r-abcd"]
}

variable "principal_org_id" {
  description = "The organization id, required of the caller by every member role."
  type        = string
  default     = ""
}

provider "aws" {
  alias   = "management"
  region  = var.region
  profile = "management"
}

provider "aws" {
  alias   = "scanner"
  region  = var.region
  profile = "security-tooling"
}

data "aws_partition" "management" {
  provider = aws.management
}

data "aws_caller_identity" "management" {
  provider = aws.management
}

# The org-discovery role's ARN is known before it exists; the scanner role
# is created first because the roles that trust it need it to exist.
locals {
  org_discovery_role_arn = "arn:${data.aws_partition.management.partition}:iam::${data.aws_caller_identity.management.account_id}:role/CellScanOrgDiscovery"
}

module "scanner_task_role" {
  source    = "../../modules/scanner-task-role"
  providers = { aws = aws.scanner }

  org_discovery_role_arn       = local.org_discovery_role_arn
  task_protection_cluster_name = "cellscan"
}

module "org_discovery_role" {
  source    = "../../modules/readonly-role"
  providers = { aws = aws.management }

  kind                  = "org-discovery"
  scanner_principal_arn = module.scanner_task_role.role_arn
  external_id           = var.external_id
}

module "member_roles" {
  source    = "../../modules/member-role-stackset"
  providers = { aws = aws.management }

  target_ou_ids         = var.target_ou_ids
  scanner_principal_arn = module.scanner_task_role.role_arn
  external_id           = var.external_id
  principal_org_id      = var.principal_org_id
}

module "management_member_role" {
  source    = "../../modules/readonly-role"
  providers = { aws = aws.management }

  kind                  = "member"
  scanner_principal_arn = module.scanner_task_role.role_arn
  external_id           = var.external_id
  principal_org_id      = var.principal_org_id
}

output "scanner_task_role_arn" {
  value = module.scanner_task_role.role_arn
}

output "org_discovery_role_arn" {
  value = module.org_discovery_role.role_arn
}
