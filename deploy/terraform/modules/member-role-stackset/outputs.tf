output "stack_set_name" {
  description = "Name of the StackSet that carries the member role."
  value       = aws_cloudformation_stack_set.member_role.name
}
