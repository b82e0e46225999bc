from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "resources"
urlpatterns = [
    path("carrier/export/", views.carrier_export, name="carrier_export"),
    path("carrier/import/", views.carrier_import, name="carrier_import"),
    path("carrier/import-geo/", views.carrier_import_geo, name="carrier_import_geo"),
    path("carrier/map/", views.carrier_map, name="carrier_map"),
    *object_urls(
        "carrier",
        list_view=views.CarrierListView,
        detail_view=views.CarrierDetailView,
        edit_view=views.CarrierEditView,
        delete_view=views.CarrierDeleteView,
    ),
    path("project/<int:pk>/match/", views.project_match, name="project_match"),
    path("project/<int:pk>/assign/<int:carrier_pk>/", views.project_assign, name="project_assign"),
    path("carrierassignment/export/", views.carrierassignment_export, name="carrierassignment_export"),
    *object_urls(
        "carrierassignment",
        list_view=views.CarrierAssignmentListView,
        detail_view=views.CarrierAssignmentDetailView,
    ),
    path("carrierassignment/<int:pk>/<str:action>/", views.assignment_action, name="assignment_action"),
    path("zombieenterprise/export/", views.zombie_export, name="zombieenterprise_export"),
    path("zombieenterprise/import/", views.zombie_import, name="zombieenterprise_import"),
    path("zombieenterprise/<int:pk>/to-carrier/", views.zombie_to_carrier, name="zombie_to_carrier"),
    *object_urls(
        "zombieenterprise",
        list_view=views.ZombieListView,
        detail_view=views.ZombieDetailView,
        edit_view=views.ZombieEditView,
        delete_view=views.ZombieDeleteView,
    ),
]
