from rest_framework.permissions import SAFE_METHODS, BasePermission

from .scoping import can_change, membership


class RolePermission(BasePermission):
    """Reading needs a role; writing needs a role that may change that kind of data."""

    message = "您的角色无权执行此操作"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        if not user.is_superuser and membership(user) is None:
            return False
        if request.method in SAFE_METHODS:
            return True
        model = getattr(getattr(view, "queryset", None), "model", None)
        return model is not None and can_change(user, model)

    def has_object_permission(self, request, view, obj):
        return request.method in SAFE_METHODS or can_change(request.user, obj)
