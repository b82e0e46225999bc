from django.contrib import admin, messages
from django.utils import timezone

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Superusers see and revoke tokens here; tokens are made with `zhaoshang token create`, which
    shows the secret once. The digest is never shown."""

    list_display = ("user", "name", "created", "expires", "last_used", "revoked")
    list_filter = ("revoked",)
    search_fields = ("user__username", "name")
    fields = ("user", "name", "created", "expires", "last_used", "revoked")
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request, queryset):
        n = 0
        for token in queryset.filter(revoked__isnull=True):
            token.revoked = timezone.now()
            token.save(update_fields=["revoked", "updated"])
            n += 1
        self.message_user(request, f"已吊销 {n} 个令牌", messages.SUCCESS)
