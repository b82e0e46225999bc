from django.urls import path

from . import views

app_name = "holidays"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:year>/", views.year_view, name="year"),
    path("<int:year>/add/", views.day_edit, name="day_add"),
    path("<int:year>/<int:pk>/edit/", views.day_edit, name="day_edit"),
    path("day/<int:pk>/delete/", views.day_delete, name="day_delete"),
    path("<int:year>/status/", views.year_update, name="year_update"),
    path("<int:year>/statutory/", views.year_statutory, name="year_statutory"),
    path("<int:year>/export/", views.export, name="export"),
    path("<int:year>/import/", views.import_view, name="import"),
]
