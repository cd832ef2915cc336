from django.urls import path

from ratusz.core import views

app_name = "core"

platform_patterns = [
    path("", views.platform_home, name="platform-home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
]

municipality_patterns = [
    path("", views.municipality_home, name="municipality-home"),
]
