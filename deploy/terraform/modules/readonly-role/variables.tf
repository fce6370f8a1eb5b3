variable "kind" {
  description = "Which role: \"member\" (in every scanned account) or \"org-discovery\" (management account)."
  type        = string
  validation {
    condition     = contains(["member", "org-discovery"], var.kind)
    error_message = "kind must be \"member\" or \"org-discovery\"."
  }
}

variable "role_name" {
  description = "Name of the role; empty = CellScanReadOnly (member, CELLSCAN_ROLE_NAME's default) or CellScanOrgDiscovery."
  type        = string
  default     = ""
  validation {
    condition     = var.role_name == "" || can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1..64 characters of letters, digits and +=,.@_-."
  }
}

variable "scanner_principal_arn" {
  description = "ARN of the scanner's ECS task role, the only principal trusted."
  type        = string
  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.scanner_principal_arn))
    error_message = "scanner_principal_arn must be an IAM role ARN."
  }
}

variable "external_id" {
  description = "The sts:ExternalId the scanner sends (CELLSCAN_EXTERNAL_ID); required."
  type        = string
  sensitive   = true
  validation {
    condition     = can(regex("^[\\w+=,.@:/-]{2,1224}$", var.external_id))
    error_message = "external_id must be 2..1224 characters of letters, digits and +=,.@:/_-."
  }
}

variable "principal_org_id" {
  description = "Optional organization id (o-...): the caller must also belong to it (aws:PrincipalOrgID)."
  type        = string
  default     = ""
}

variable "max_session_duration" {
  description = "Longest session in seconds, at least CELLSCAN_SESSION_DURATION."
  type        = number
  default     = 3600
  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be 3600..43200."
  }
}

variable "tags" {
  description = "Tags for the role and its boundary policy."
  type        = map(string)
  default     = {}
}
