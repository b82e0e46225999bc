from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("zhaoshang.core.urls")),
    path("", include("zhaoshang.ops.urls")),
    path("org/calendar/", include("zhaoshang.holidays.urls")),
    path("org/", include("zhaoshang.org.urls")),
    path("ledger/", include("zhaoshang.ledger.urls")),
    path("fieldwork/", include("zhaoshang.fieldwork.urls")),
    path("exchange/", include("zhaoshang.exchange.urls")),
    path("notify/", include("zhaoshang.notify.urls")),
    path("assessment/", include("zhaoshang.assessment.urls")),
    path("dashboards/", include("zhaoshang.dashboards.urls")),
    path("bulletins/", include("zhaoshang.bulletins.urls")),
    path("supervision/", include("zhaoshang.supervision.urls")),
    path("chains/", include("zhaoshang.chains.urls")),
    path("resources/", include("zhaoshang.resources.urls")),
    path("targets/", include("zhaoshang.targets.urls")),
    path("packages/", include("zhaoshang.packages.urls")),
    path("jobs/", include("zhaoshang.jobs.urls")),
    path("api/", include("zhaoshang.api.urls")),
    path("account/2fa/", include("zhaoshang.twofactor.urls")),
    path("account/", include("zhaoshang.accounts.urls")),
    path("", include("zhaoshang.admins.urls")),
    path("audit/", include("zhaoshang.audit.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "zhaoshang.core.views.error_400"
handler403 = "zhaoshang.core.views.error_403"
handler404 = "zhaoshang.core.views.error_404"
handler500 = "zhaoshang.core.views.error_500"
