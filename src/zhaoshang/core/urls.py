from django.contrib.auth import views as auth_views
from django.urls import path

from . import pages, typeahead

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("changes/", pages.ChangeLogView.as_view(), name="changelog"),
    path("changes/<int:pk>/", pages.change_detail, name="change_detail"),
    # The type-ahead pickers' matches (core/typeahead.py).
    path("lookup/<str:label>/", typeahead.lookup, name="lookup"),
]
