"""Test support: throw-away servers (PostgreSQL, Redis) that the tests start for themselves."""
