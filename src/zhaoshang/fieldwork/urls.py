from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "fieldwork"
urlpatterns = [
    *object_urls(
        "activity",
        list_view=views.ActivityListView,
        detail_view=views.ActivityDetailView,
        edit_view=views.ActivityEditView,
        delete_view=views.ActivityDeleteView,
    ),
    *object_urls(
        "decision",
        list_view=views.DecisionListView,
        detail_view=views.DecisionDetailView,
        edit_view=views.DecisionEditView,
        add=False,
    ),
    *object_urls(
        "lead",
        list_view=views.LeadListView,
        detail_view=views.LeadDetailView,
        edit_view=views.LeadEditView,
        delete_view=views.LeadDeleteView,
    ),
    path("lead/<int:pk>/screen/", views.lead_screen, name="lead_screen"),
    *object_urls(
        "report",
        list_view=views.ReportListView,
        detail_view=views.ReportDetailView,
        edit_view=views.ReportEditView,
        add=False,
    ),
    path("report/<int:pk>/reopen/", views.report_reopen, name="report_reopen"),
    path("calendar/", views.report_calendar, name="report_calendar"),
    path("quotas/", views.quota_list, name="quotas"),
]
