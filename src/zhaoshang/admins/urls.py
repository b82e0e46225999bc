from django.urls import path

from . import views

app_name = "admins"

urlpatterns = [
    path("system/", views.system_index, name="system"),
    path("system/accounts/add/", views.account_add, name="account_add"),
    path("system/accounts/<int:pk>/active/", views.account_active, name="account_active"),
    path("system/settings/", views.system_settings, name="system_settings"),
    path("security/", views.security_index, name="security"),
    path("security/accounts/<int:pk>/role/", views.account_role, name="account_role"),
    path("security/accounts/<int:pk>/second-factor/reset/", views.reset_second_factor, name="reset_2fa"),
    path("security/unlock/", views.unlock, name="unlock"),
]
