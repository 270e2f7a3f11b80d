# An AI policy is imported by its ID alone: Flashback's read of one policy gives
# its organization, workspace and repository too.
terraform import flashback_ai_policy.example 550e8400-e29b-41d4-a716-446655440000
