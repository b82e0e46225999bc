from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "packages"
urlpatterns = [
    path("progress/", views.progress, name="progress"),
    path("projectpackage/export/", views.package_export, name="projectpackage_export"),
    path("projectpackage/import/", views.package_import, name="projectpackage_import"),
    path("merchant/export/", views.merchant_export, name="merchant_export"),
    path("merchant/import/", views.merchant_import, name="merchant_import"),
    *object_urls(
        "projectpackage",
        list_view=views.PackageListView,
        detail_view=views.PackageDetailView,
        edit_view=views.PackageEditView,
        delete_view=views.PackageDeleteView,
    ),
    *object_urls(
        "merchant",
        list_view=views.MerchantListView,
        detail_view=views.MerchantDetailView,
        edit_view=views.MerchantEditView,
        delete_view=views.MerchantDeleteView,
    ),
]
