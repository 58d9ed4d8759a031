"""Webhooks: deliveries made from the pipeline's outcomes, signed, posted, retried and logged."""
