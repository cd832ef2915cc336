"""The demo: five gminy of the Lublin region with their units, staff, residents and sample
data in every module, the commands that load and serve them, and the benchmark endpoint.

Like a script, it may use every app. Nothing else imports it, and a production install
leaves it out of INSTALLED_APPS (config/settings/prod.py)."""
