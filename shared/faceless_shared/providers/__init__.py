"""What every SDK-backed provider stands on: its lazily made client and its limit on calls."""
