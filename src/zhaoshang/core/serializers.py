"""The change log as the API gives it (`core/api.py`)."""

from rest_framework import serializers

from .models import ObjectChange


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = [
            "id",
            "time",
            "user_name",
            "source",
            "request_id",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
        ]

    def get_object_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    def to_representation(self, instance):
        from .changelog import shown_values

        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None:
            # The log is stored complete; personal data is masked for roles that may not see it.
            data["before"], data["after"] = shown_values(instance, request.user)
        return data
