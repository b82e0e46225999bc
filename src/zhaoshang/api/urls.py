from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from .views import ENDPOINTS, InvestmentTotalsViewSet, ObjectChangeViewSet, QuotaProgressViewSet

router = DefaultRouter()
for prefix, viewset in ENDPOINTS.items():
    router.register(prefix, viewset, basename=prefix)
router.register("changes", ObjectChangeViewSet, basename="changes")
router.register("quota-progress", QuotaProgressViewSet, basename="quota-progress")
router.register("investment-totals", InvestmentTotalsViewSet, basename="investment-totals")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include(router.urls)),
]
