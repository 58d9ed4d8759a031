"""Voices: the interface a clip's narration is made through, and one module per provider."""
