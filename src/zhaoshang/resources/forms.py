"""The factor-resource library's forms."""

from django import forms

from zhaoshang.core.fields import REASON
from zhaoshang.core.typeahead import use_typeahead

from .exchange import MAPPABLE
from .models import Carrier, ZombieEnterprise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CarrierForm(forms.ModelForm):
    class Meta:
        model = Carrier
        fields = [
            "jurisdiction", "name", "kind", "status", "town", "address", "land_mu", "floor_area_m2", "owner_name",
            "owner_enterprise", "land_use", "price_wan_per_mu", "rent_yuan_per_m2_month", "available_from",
            "geometry", "notes", "source",
        ]  # fmt: skip
        widgets = {
            "available_from": DATE,
            "geometry": forms.Textarea(attrs={"rows": 4}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "geometry": "GeoJSON 点或面，CGCS2000/WGS84 经纬度（度）；中心点自动计算",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "owner_enterprise")


class ZombieForm(forms.ModelForm):
    """The register entry, with the enterprise's class and dates (ZombieEnterprise docstring: they
    are the enterprise's; set on the entry, the model checks them and writes them onto it)."""

    zombie_class = forms.ChoiceField(label="类别", choices=ZombieEnterprise.Class.choices)
    classified_on = forms.DateField(label="认定日期", widget=DATE)
    resumed_on = forms.DateField(label="复工复产日期", widget=DATE, required=False)

    class Meta:
        model = ZombieEnterprise
        fields = [
            "enterprise", "zombie_class", "classified_on", "plan", "owner_unit", "resumed_on", "status",
            "land_mu", "floor_area_m2", "address", "geometry", "notes",
        ]  # fmt: skip
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 3}),
            "geometry": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        use_typeahead(self, "enterprise")
        if self.instance.pk:
            for name in ZombieEnterprise.FACTS:
                self.fields[name].initial = getattr(self.instance, name)
            # The entry is the enterprise's: another enterprise is a new entry.
            self.fields["enterprise"].disabled = True

    def _post_clean(self):
        # The facts onto the entry before the model's clean() checks them.
        for name in ZombieEnterprise.FACTS:
            if name in self.cleaned_data:
                setattr(self.instance, name, self.cleaned_data[name])
        super()._post_clean()


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)


class GeoUploadForm(forms.Form):
    file = forms.FileField(label="GeoJSON 或 Shapefile 压缩包（.geojson/.json/.zip）")
    kind = forms.ChoiceField(label="载体类型", choices=Carrier.Kind.choices)
    source = forms.CharField(label="数据来源", max_length=120, required=False, initial="自然资源局地块数据")


class MappingForm(forms.Form):
    """One choice per attribute of the uploaded file: which carrier field it fills."""

    dry_run = forms.BooleanField(label="仅校验，不导入", required=False)

    def __init__(self, *args, attributes=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "（不导入）")] + [(f, label) for f, label in MAPPABLE]
        self.attributes = list(attributes)
        for i, attr in enumerate(self.attributes):
            self.fields[f"map_{i}"] = forms.ChoiceField(
                label=f"属性“{attr}”",
                choices=choices,
                required=False,
                initial=(initial_mapping or {}).get(attr, ""),
            )

    def mapping(self) -> dict[str, str]:
        return {attr: self.cleaned_data.get(f"map_{i}") or "" for i, attr in enumerate(self.attributes)}


class AssignForm(forms.Form):
    land_mu = forms.DecimalField(
        label="使用土地（亩）", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    floor_area_m2 = forms.DecimalField(
        label="使用建筑面积（平方米）", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    notes = forms.CharField(label="备注", required=False, max_length=REASON)


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="释放原因", max_length=REASON, widget=forms.Textarea(attrs={"rows": 2}))


class ToCarrierForm(forms.Form):
    kind = forms.ChoiceField(
        label="载体类型", choices=Carrier.Kind.choices, initial=Carrier.Kind.IDLE_FACTORY
    )
    name = forms.CharField(label="载体名称", max_length=120, required=False)
