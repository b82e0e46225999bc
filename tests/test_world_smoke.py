def test_world_has_both_jurisdictions(db):
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Jurisdiction

    assert Jurisdiction.objects.filter(code__in=["360722", "980121", "980100"]).count() == 3
    assert Project.objects.filter(jurisdiction__code="360722").exists()
    assert Project.objects.filter(jurisdiction__code="980121").exists()


def test_demo_activities_are_records_a_clerk_could_have_entered(db):
    """The demo's activities keep the rules every channel holds them to (`Activity.record_errors`):
    opened and saved unchanged on the form, the API or the import, none is refused."""
    from zhaoshang.fieldwork.models import Activity

    refused = [(a.pk, a.kind, a.record_errors()) for a in Activity.objects.all() if a.record_errors()]
    assert not refused, refused[:3]
