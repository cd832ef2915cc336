"""Prometheus metrics of the web process (served at /metrics, closed by default)."""

from prometheus_client import Counter, Histogram

REQUESTS = Counter(
    "ratusz_http_requests_total", "HTTP requests handled", ["method", "route", "status"]
)
LATENCY = Histogram(
    "ratusz_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter("ratusz_tasks_total", "Background tasks finished", ["task", "state"])
