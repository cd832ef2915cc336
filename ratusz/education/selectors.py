"""Reads of the education app; every read of a gmina's rows takes the gmina."""
