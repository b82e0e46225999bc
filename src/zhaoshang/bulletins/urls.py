from django.urls import path

from . import views

app_name = "bulletins"
urlpatterns = [
    path("", views.BulletinListView.as_view(), name="bulletin_list"),
    path("new/", views.bulletin_new, name="bulletin_new"),
    path("<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("<int:pk>/progress/", views.bulletin_progress, name="bulletin_progress"),
    path("<int:pk>/send/", views.bulletin_send, name="bulletin_send"),
    path("<int:pk>/download/<str:fmt>/", views.bulletin_download, name="bulletin_download"),
    path("templates/<str:policy>/<str:kind>/", views.template_edit, name="template_edit"),
    path("templates/<str:policy>/<str:kind>/preview/", views.template_preview, name="template_preview"),
    path("templates/<str:policy>/<str:kind>/reset/", views.template_reset, name="template_reset"),
]
