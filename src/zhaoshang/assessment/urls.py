from django.urls import path

from zhaoshang.core.views import object_urls

from . import views

app_name = "assessment"
urlpatterns = [
    path("assessmentrun/", views.AssessmentRunListView.as_view(), name="assessmentrun_list"),
    path("assessmentrun/new/", views.run_new, name="run_new"),
    path("assessmentrun/<int:pk>/", views.run_detail, name="assessmentrun_detail"),
    path("assessmentrun/<int:pk>/publish/", views.run_publish, name="run_publish"),
    path("assessmentrun/<int:pk>/export/", views.run_export, name="run_export"),
]
for name, routes in views.INPUTS.items():
    urlpatterns += object_urls(name, **routes)
