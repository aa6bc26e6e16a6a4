"""Making what callers hand us safe to keep, export and show: redaction of credentials, JSON-safe
context, stack traces captured cheaply, and coercion of hostile objects to plain text."""
