variable "role_name" {
  description = "Name of the scanner's ECS task role (the principal the member and org-discovery roles trust)."
  type        = string
  default     = "cellscan-scanner"
}

variable "member_role_name" {
  description = "Name of the member role in every scanned account (CELLSCAN_ROLE_NAME)."
  type        = string
  default     = "CellScanReadOnly"
}

variable "org_discovery_role_arn" {
  description = "ARN of the org-discovery role in the management account; empty = explicit account lists only."
  type        = string
  default     = ""
}

variable "task_protection_cluster_name" {
  description = "ECS cluster whose worker tasks protect themselves from scale-in through the ECS agent endpoint (ecs:UpdateTaskProtection, ecs:GetTaskProtection on that cluster's tasks); empty = no scale-in protection."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags for the role."
  type        = map(string)
  default     = {}
}
