"""Residents' sign-in through login.gov.pl (Węzeł Krajowy), SAML 2.0 — docs/login-gov.md."""
