"""The education app's tables; every table of a gmina inherits TenantOwned."""
