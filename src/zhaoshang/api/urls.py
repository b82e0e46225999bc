"""The API's router: each app declares its endpoints beside its views (`<app>/api.py`: ENDPOINTS,
one scoped viewset per model, and VIEWS, the endpoints that are not one model's rows); this
registers them under /api/, with the schema at /api/schema/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from zhaoshang.assessment import api as assessment
from zhaoshang.bulletins import api as bulletins
from zhaoshang.chains import api as chains
from zhaoshang.core import api as core
from zhaoshang.fieldwork import api as fieldwork
from zhaoshang.ledger import api as ledger
from zhaoshang.org import api as org
from zhaoshang.packages import api as packages
from zhaoshang.resources import api as resources
from zhaoshang.supervision import api as supervision
from zhaoshang.targets import api as targets

APPS = (
    org,
    ledger,
    fieldwork,
    assessment,
    bulletins,
    supervision,
    chains,
    resources,
    targets,
    packages,
    core,
)

# prefix -> viewset of one model; the scoping tests walk this table.
ENDPOINTS = {prefix: viewset for app in APPS for prefix, viewset in getattr(app, "ENDPOINTS", {}).items()}
VIEWS = {prefix: viewset for app in APPS for prefix, viewset in getattr(app, "VIEWS", {}).items()}
assert not ENDPOINTS.keys() & VIEWS.keys(), "an API prefix is registered twice"

router = DefaultRouter()
for prefix, viewset in {**ENDPOINTS, **VIEWS}.items():
    router.register(prefix, viewset, basename=prefix)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
