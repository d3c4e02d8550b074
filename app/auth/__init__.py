"""Who may do what: API keys and their roles, the access policy of each route, rate limits."""
