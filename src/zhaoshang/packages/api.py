"""The packages app's API: `/api/project-packages/` (招商项目包: private to the package's team and
unit like a ledger project, written by the office and by clerks within their team or unit,
core/scoping.py) and `/api/merchants/` (客商库: read by every role of the jurisdiction with the
contact's name and phone masked for those who do not work with investors, core/privacy.py;
written by the office). Validation is the models' clean(), shared with the forms and the import."""

from zhaoshang.api.base import viewset_for
from zhaoshang.api.serializers import serializer_for

from .filters import MerchantFilterSet, PackageFilterSet
from .models import Merchant, ProjectPackage

PackageSerializer = serializer_for(
    ProjectPackage,
    ["jurisdiction", "name", "chain", "segment", "major", "investment", "needs", "team", "unit",
     "packaged_on", "status", "project", "notes"],
    read_only=["jurisdiction"],
)  # fmt: skip
MerchantSerializer = serializer_for(
    Merchant,
    ["jurisdiction", "name", "company", "title", "phone", "chain", "region", "source", "enterprise", "notes"],
)

ENDPOINTS: dict = {
    "project-packages": viewset_for(
        ProjectPackage,
        PackageSerializer,
        filterset=PackageFilterSet,
        select_related=("jurisdiction", "chain"),
        ordering_fields=("name", "packaged_on", "investment", "status"),
    ),
    "merchants": viewset_for(
        Merchant,
        MerchantSerializer,
        filterset=MerchantFilterSet,
        select_related=("jurisdiction",),
        ordering_fields=("name", "company", "region"),
    ),
}
VIEWS: dict = {}
