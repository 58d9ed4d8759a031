"""The voices a project may name, and espeak-ng's voice list."""
