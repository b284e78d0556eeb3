"""The suite's fixtures come from ``realty_crm.testing`` (loaded as a pytest plugin)."""
