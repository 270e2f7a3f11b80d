# A workspace is imported by its ID.
terraform import flashback_workspace.example 123e4567-e89b-12d3-a456-426614174000
