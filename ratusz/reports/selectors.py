"""Reads of the reports app; every read of a gmina's rows takes the gmina."""
