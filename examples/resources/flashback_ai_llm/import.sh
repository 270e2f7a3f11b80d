# An AI LLM configuration is imported by its ID alone: its workspace is found by
# listing every workspace the token can access. Flashback never returns the
# secret or the key, so the first plan after the import shows an in-place update
# that sends them from the configuration.
terraform import flashback_ai_llm.openai 550e8400-e29b-41d4-a716-446655440000
