"""What projects choose from: graphics presets, series, background music and voices."""
