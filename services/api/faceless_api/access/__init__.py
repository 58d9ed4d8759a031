"""Who may call, and how much: API keys, authentication, rate and stream limits."""
