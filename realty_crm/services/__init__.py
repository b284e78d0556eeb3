"""Business rules: what the web pages, the API, the CLI and jobs ask of the data."""
