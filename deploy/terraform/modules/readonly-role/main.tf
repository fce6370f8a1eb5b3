# A read-only role for cellscan, the same as deploy/cloudformation's
# member-role.yaml (kind = "member") or org-discovery-role.yaml
# (kind = "org-discovery"): trusted by the scanner's task role only, with the
# ExternalId (and optionally the organization) as conditions, an inline
# policy granting exactly the kind's actions, and a permission boundary that
# denies every other action.

locals {
  # The MEMBER and ORG actions of lib/aws/actions.def, exactly
  # (tests/integration/test_deploy.py compares them).
  actions_by_kind = {
    member = [
      "sts:GetCallerIdentity",
      "ec2:DescribeRegions",
      "ec2:DescribeInstances",
      "ec2:DescribeVolumes",
      "s3:ListAllMyBuckets",
      "s3:GetBucketLocation",
      "s3:GetBucketTagging",
      "rds:DescribeDBInstances",
      "lambda:ListFunctions",
      "lambda:ListTags",
      "ecs:ListClusters",
      "ecs:DescribeClusters",
      "ecs:ListServices",
      "ecs:DescribeServices",
      "eks:ListClusters",
      "eks:DescribeCluster",
      "tag:GetResources",
    ]
    org-discovery = [
      "organizations:DescribeOrganization",
      "organizations:ListRoots",
      "organizations:ListOrganizationalUnitsForParent",
      "organizations:ListAccountsForParent",
      "organizations:ListAccounts",
      "organizations:ListParents",
      "organizations:DescribeAccount",
    ]
  }
  default_names = {
    member        = "CellScanReadOnly"
    org-discovery = "CellScanOrgDiscovery"
  }
  descriptions = {
    member        = "cellscan read-only tag-compliance scanning role"
    org-discovery = "cellscan organization discovery (AWS Organizations reads only)"
  }
  actions   = local.actions_by_kind[var.kind]
  role_name = var.role_name != "" ? var.role_name : local.default_names[var.kind]
}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "CellScanScannerOnly"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [var.scanner_principal_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
    dynamic "condition" {
      for_each = var.principal_org_id == "" ? [] : [var.principal_org_id]
      content {
        test     = "StringEquals"
        variable = "aws:PrincipalOrgID"
        values   = [condition.value]
      }
    }
  }
}

data "aws_iam_policy_document" "grant" {
  statement {
    sid       = "CellScanReads"
    effect    = "Allow"
    actions   = local.actions
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "boundary" {
  statement {
    sid       = "AllowOnlyWhatTheDenyLeaves"
    effect    = "Allow"
    actions   = ["*"]
    resources = ["*"]
  }
  statement {
    sid         = "DenyEverythingElse"
    effect      = "Deny"
    not_actions = local.actions
    resources   = ["*"]
  }
}

resource "aws_iam_policy" "boundary" {
  name        = "${local.role_name}Boundary"
  description = "cellscan permission boundary, denies every action but the role's read actions."
  policy      = data.aws_iam_policy_document.boundary.json
  tags        = var.tags
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  description          = local.descriptions[var.kind]
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = aws_iam_policy.boundary.arn
  tags                 = merge(var.tags, { "cellscan:component" = "${var.kind}-role" })
}

resource "aws_iam_role_policy" "grant" {
  name   = local.role_name
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.grant.json
}
