"""Reads of the payments app; every read of a gmina's rows takes the gmina."""
