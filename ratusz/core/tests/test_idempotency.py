from types import SimpleNamespace

import pytest

from ratusz.core.idempotency import (
    IdempotencyConflict,
    caller_of,
    check_repeat,
    fingerprint,
    scoped_key,
)


def test_keys_belong_to_their_caller():
    one = caller_of(SimpleNamespace(api_token=SimpleNamespace(pk=1)))
    two = caller_of(SimpleNamespace(api_token=SimpleNamespace(pk=2)))
    assert scoped_key(one, "abc") != scoped_key(two, "abc")
    assert scoped_key(one, "abc") == scoped_key(one, " abc ")
    assert len(scoped_key(one, "x" * 255)) <= 80
    assert scoped_key(one, "") == ""
    user = caller_of(SimpleNamespace(api_token=None, user=SimpleNamespace(pk=5)))
    assert user == "u5"


def test_a_repeat_with_another_body_is_a_conflict():
    first = fingerprint({"title": "Pismo", "sender": {"name": "Jan"}})
    assert fingerprint({"sender": {"name": "Jan"}, "title": "Pismo"}) == first
    check_repeat(first, first)
    check_repeat("", first)  # rows stored before fingerprints existed
    with pytest.raises(IdempotencyConflict):
        check_repeat(first, fingerprint({"title": "Inne pismo"}))
