"""Pictures: the interface a clip's picture is made through, and one module per provider."""
