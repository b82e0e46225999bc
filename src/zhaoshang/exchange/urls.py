from django.urls import path

from . import views

app_name = "exchange"
urlpatterns = [
    path("<str:kind>/template/", views.template, name="template"),
    path("<str:kind>/import/", views.import_view, name="import"),
    path("<str:kind>/export/", views.export, name="export"),
    path("errors/<str:token>/", views.error_workbook, name="error_workbook"),
]
