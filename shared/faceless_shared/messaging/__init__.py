"""Events and how they travel: the event schemas, stream names, broker, outbox relay and
live progress."""
