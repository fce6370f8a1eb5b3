# The scanner's ECS task role (dispatcher and workers), the same as
# ScannerTaskRole in deploy/ecs/fleet.yaml: it may only sts:AssumeRole into
# the member role (any account, by name) and the org-discovery role. With
# task_protection_cluster_name set, it may also protect its own cluster's
# tasks from scale-in: the ECS agent's task-protection endpoint calls
# ecs:UpdateTaskProtection with the task role's credentials.

data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

data "aws_iam_policy_document" "trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

data "aws_iam_policy_document" "assume" {
  statement {
    sid     = "AssumeMemberAndOrgDiscoveryRoles"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    resources = compact([
      "arn:${data.aws_partition.current.partition}:iam::*:role/${var.member_role_name}",
      var.org_discovery_role_arn,
    ])
  }
}

data "aws_iam_policy_document" "task_protection" {
  count = var.task_protection_cluster_name == "" ? 0 : 1
  statement {
    sid       = "OwnTaskScaleInProtection"
    effect    = "Allow"
    actions   = ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"]
    resources = ["arn:${data.aws_partition.current.partition}:ecs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:task/${var.task_protection_cluster_name}/*"]
  }
}

resource "aws_iam_role" "this" {
  name               = var.role_name
  description        = "cellscan scanner (dispatcher, workers); may only assume the member and org-discovery roles"
  assume_role_policy = data.aws_iam_policy_document.trust.json
  tags               = merge(var.tags, { "cellscan:component" = "scanner-task-role" })
}

resource "aws_iam_role_policy" "assume" {
  name   = "AssumeScanRoles"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.assume.json
}

resource "aws_iam_role_policy" "task_protection" {
  count  = var.task_protection_cluster_name == "" ? 0 : 1
  name   = "WorkerScaleInProtection"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.task_protection[0].json
}
