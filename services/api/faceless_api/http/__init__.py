"""How the API speaks HTTP: errors and their OpenAPI declarations, JSON bodies, OpenAPI links."""
