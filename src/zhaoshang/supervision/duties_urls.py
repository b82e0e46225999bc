"""The duty pages' routes, merged into the app's urls.py."""

from django.urls import path

from . import duties_views as views

urlpatterns = [
    path("duty/", views.DutyObligationListView.as_view(), name="dutyobligation_list"),
    path("duty/<int:pk>/", views.DutyObligationDetailView.as_view(), name="dutyobligation_detail"),
    path("duty/<int:pk>/complete/", views.duty_complete, name="duty_complete"),
    path("duty/<int:pk>/not-applicable/", views.duty_not_applicable, name="duty_not_applicable"),
    path("duty/<int:pk>/reopen/", views.duty_reopen, name="duty_reopen"),
    path("duty/<int:pk>/evidence/", views.duty_evidence, name="duty_evidence"),
    path("duty/grid/", views.duty_grid, name="duty_grid"),
    path("duty/mine/", views.duty_mine, name="duty_mine"),
]
