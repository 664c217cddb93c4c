import pytest

from portal.models import OrgUnit, WorkingGroupMember


def test_seeded_tree(db):
    city = OrgUnit.objects.get(code="zmd")
    counties = OrgUnit.objects.filter(kind="county", parent=city)
    assert counties.count() == 13
    assert counties.filter(is_zone=True).count() == 3
    assert OrgUnit.objects.get(code="yicheng").children.count() == 21
    assert OrgUnit.objects.get(name="水屯镇").county.name == "驿城区"
    assert OrgUnit.objects.get(code="power").handles_orders
    assert not OrgUnit.objects.get(code="rx12345").handles_orders


def test_working_groups_have_their_lead_units(db):
    groups = OrgUnit.objects.filter(kind="working_group")
    assert groups.count() == 9
    leads = {
        g.name: sorted(m.unit.name for m in WorkingGroupMember.objects.filter(group=g, is_lead=True))
        for g in groups
    }
    assert leads["安全维稳组"] == ["市公安局"]
    assert leads["倒房重建组"] == ["市住房和城乡建设局", "市应急管理局"]
    assert WorkingGroupMember.objects.filter(group__name="综合协调组").count() == 15


def test_moving_a_unit_moves_its_subtree(db):
    township = OrgUnit.objects.get(name="水屯镇")
    village = OrgUnit.objects.create(code="v-test", name="测试村", kind="village", parent=township)
    assert village.path == township.path + f"{village.pk}/"
    township.parent = OrgUnit.objects.get(code="xiping")
    township.save()
    village.refresh_from_db()
    assert village.path.startswith(OrgUnit.objects.get(code="xiping").path)
    assert village.depth == 3  # city 0, county 1, township 2, village 3
    with pytest.raises(ValueError):
        township.parent = village
        township.save()
