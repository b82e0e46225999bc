"""The supervision app's API: its endpoints, registered by `zhaoshang.api.urls`."""

ENDPOINTS: dict = {}
VIEWS: dict = {}
