"""What every service runs on: its life cycle, settings, logs, telemetry and metrics."""
