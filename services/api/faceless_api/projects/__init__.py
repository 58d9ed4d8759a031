"""Video projects: accepting them, their lifecycle, queries, schemas, input limits,
idempotency and live progress."""
