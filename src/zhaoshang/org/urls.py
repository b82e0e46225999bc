from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "org"
urlpatterns = [
    path("policy/<int:pk>/reload/", views.policy_reload, name="policy_reload"),
    path("policy/<int:pk>/period/add/", views.period_add, name="period_add"),
    *object_urls(
        "jurisdiction", list_view=views.JurisdictionListView, detail_view=views.JurisdictionDetailView
    ),
    *object_urls("policy", list_view=views.PolicyListView, detail_view=views.PolicyDetailView),
    *object_urls(
        "unit",
        list_view=views.UnitListView,
        detail_view=views.UnitDetailView,
        edit_view=views.UnitEditView,
        delete_view=views.UnitDeleteView,
    ),
    *object_urls(
        "person",
        list_view=views.PersonListView,
        detail_view=views.PersonDetailView,
        edit_view=views.PersonEditView,
        delete_view=views.PersonDeleteView,
    ),
    *object_urls(
        "team",
        list_view=views.TeamListView,
        detail_view=views.TeamDetailView,
        edit_view=views.TeamEditView,
        add=False,
    ),
    *object_urls(
        "holdergroup",
        list_view=views.HolderGroupListView,
        detail_view=views.HolderGroupDetailView,
        edit_view=views.HolderGroupEditView,
        add=False,
    ),
    *object_urls(
        "target",
        list_view=views.TargetListView,
        detail_view=views.TargetDetailView,
        edit_view=views.TargetEditView,
        add=False,
    ),
]
