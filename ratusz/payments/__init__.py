"""Payments and the taxpayer account: obligations (należności), individual account numbers,
settlement by the rules, online payment through a gateway, bank statements (MT940), fees
of e-services. A general-purpose app: it imports none of the case apps; the owner of a
use case (the e-services' fee, the preschool's fees) calls its services."""
