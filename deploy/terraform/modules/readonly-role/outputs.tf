output "role_arn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "boundary_arn" {
  description = "ARN of the permission boundary."
  value       = aws_iam_policy.boundary.arn
}
