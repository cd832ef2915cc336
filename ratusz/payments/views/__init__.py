"""Pages of the payments app: the taxpayer account (residents), the finance workspace
(staff) and the gateway's notification addresses (platform)."""
