variable "target_ou_ids" {
  description = "OU ids (ou-...) or the root id (r-...) whose accounts get the member role, now and when they join later."
  type        = list(string)
  validation {
    condition     = length(var.target_ou_ids) > 0 && alltrue([for id in var.target_ou_ids : can(regex("^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$", id))])
    error_message = "target_ou_ids must list OU ids (ou-...) or the root id (r-...)."
  }
}

variable "role_name" {
  description = "Name of the member role (CELLSCAN_ROLE_NAME)."
  type        = string
  default     = "CellScanReadOnly"
}

variable "scanner_principal_arn" {
  description = "ARN of the scanner's ECS task role, the only principal trusted."
  type        = string
}

variable "external_id" {
  description = "The sts:ExternalId the scanner sends (CELLSCAN_EXTERNAL_ID); required."
  type        = string
  sensitive   = true
}

variable "principal_org_id" {
  description = "Optional organization id (o-...) required of the caller."
  type        = string
  default     = ""
}

variable "max_session_duration" {
  description = "Longest session in seconds (3600..43200)."
  type        = number
  default     = 3600
}

variable "call_as" {
  description = "SELF in the management account, DELEGATED_ADMIN in a delegated StackSets administrator account."
  type        = string
  default     = "SELF"
  validation {
    condition     = contains(["SELF", "DELEGATED_ADMIN"], var.call_as)
    error_message = "call_as must be SELF or DELEGATED_ADMIN."
  }
}
