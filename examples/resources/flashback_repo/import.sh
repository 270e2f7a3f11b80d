# A repository is imported by its ID alone: its workspace is found by listing
# every workspace the token can access.
terraform import flashback_repo.assistant 550e8400-e29b-41d4-a716-446655440000
