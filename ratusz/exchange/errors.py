"""The refusal the exchange's services raise: an English message id with its Polish
translation (ADR 0005)."""

from ratusz.core.messages import DomainError


class ExchangeError(DomainError):
    pass
