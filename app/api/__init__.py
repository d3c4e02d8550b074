"""HTTP routes, one module per resource; routes only, the logic lives in the domain packages."""
