"""Reads of the exchange app; every read of a gmina's rows takes the gmina."""
