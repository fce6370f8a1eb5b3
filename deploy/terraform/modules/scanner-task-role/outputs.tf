output "role_arn" {
  description = "ARN of the scanner task role: ScannerPrincipalArn / scanner_principal_arn of the member and org-discovery roles."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the scanner task role."
  value       = aws_iam_role.this.name
}
