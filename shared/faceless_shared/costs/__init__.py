"""What provider calls cost: the price table, usage records and the per-project cap."""
