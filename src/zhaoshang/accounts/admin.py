from django.contrib import admin

from .models import Unlock


@admin.register(Unlock)
class UnlockAdmin(admin.ModelAdmin):
    """Releases of login lockouts, read-only: they are made with `zhaoshang unlock` or by the
    security administrator (services.unlock)."""

    list_display = ("created", "username", "ip_address", "attempts", "by")
    search_fields = ("username", "ip_address")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
