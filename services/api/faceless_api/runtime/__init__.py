"""What the API holds while it runs: resources, route dependencies, readiness, housekeeping."""
