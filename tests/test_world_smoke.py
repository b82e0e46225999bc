def test_world_has_both_jurisdictions(db):
    from zhaoshang.ledger.models import Project
    from zhaoshang.org.models import Jurisdiction

    assert Jurisdiction.objects.filter(code__in=["360722", "980121", "980100"]).count() == 3
    assert Project.objects.filter(jurisdiction__code="360722").exists()
    assert Project.objects.filter(jurisdiction__code="980121").exists()
