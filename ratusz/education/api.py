"""The education app's REST operations under /api/v1/."""

from ninja import Router

router = Router(tags=["education"])
