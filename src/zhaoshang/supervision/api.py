"""The supervision app's API: its endpoints, registered by `zhaoshang.api.urls`."""

from . import duties_api, instructions_api, problems_api

ENDPOINTS: dict = {**duties_api.ENDPOINTS, **problems_api.ENDPOINTS, **instructions_api.ENDPOINTS}
VIEWS: dict = {}
