from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "targets"
urlpatterns = [
    path("targetenterprise/export/", views.target_export, name="targetenterprise_export"),
    path("targetenterprise/import/", views.target_import, name="targetenterprise_import"),
    path("targetenterprise/<int:pk>/to-lead/", views.target_to_lead, name="targetenterprise_to_lead"),
    *object_urls(
        "targetenterprise",
        list_view=views.TargetListView,
        detail_view=views.TargetDetailView,
        edit_view=views.TargetEditView,
        delete_view=views.TargetDeleteView,
    ),
    *object_urls(
        "targetcontact",
        list_view=views.ContactListView,
        detail_view=views.ContactDetailView,
        edit_view=views.ContactEditView,
        delete_view=views.ContactDeleteView,
    ),
]
