"""API routes, one module per resource; each parses input, calls one function, maps errors."""
