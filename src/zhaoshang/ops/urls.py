from django.urls import path

from .health import health_view
from .metrics import metrics_view

app_name = "ops"
urlpatterns = [
    path("health/", health_view, name="health"),
    path("metrics/", metrics_view, name="metrics"),
]
