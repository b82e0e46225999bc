from django.contrib import admin

from .models import Channel, Delivery


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ("__str__", "kind", "target_masked", "remind_days_before", "active")
    list_filter = ("kind", "active", "jurisdiction")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Read-only: the log of sends is written by `zhaoshang remind` alone."""

    list_display = ("created_at", "report", "reason", "channel", "status", "attempts", "sent_at")
    list_filter = ("status", "reason")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
