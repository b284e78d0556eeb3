"""Request and response shapes (pydantic) of the API and the settings."""
