"""Seed the eight sector safety committees (专委会) and the hazard SLA policies (by grade).

Starting data an admin edits afterwards; only rows that do not exist yet are inserted.

Committees: the seed's "对照行业领域细分8个专委会". The eight chosen follow the usual split of a
township safety committee (安委会) in Zhejiang's coastal towns; see docs/safety.md.

SLA by grade (the case's priority carries the grade: 一般 → normal, 重大 → urgent):
- 一般隐患: 7 working days from the rectification notice, unless the notice sets its own deadline
  (a general hazard is one that can be fixed at once — 安全生产事故隐患排查治理暂行规定 第三条).
- 重大隐患: 30 working days until the governance plan is filed; the plan's deadline (治理时限) then
  becomes the due date (same rule, 第十五条: a major hazard is governed by a plan with its own time limit).
"""

from django.db import migrations

COMMITTEES = [
    ("industry_trade", "工矿商贸专委会", "工贸企业、厂中厂、有限空间、电气焊、特种设备"),
    ("hazchem", "危险化学品专委会", "危化品生产、储存、经营、使用和运输"),
    ("construction", "建设施工专委会", "房屋建筑和市政工程、村镇建设、农村自建房"),
    ("fire", "消防安全专委会", "消防安全、出租房/群租房、沿街店铺、夜查"),
    ("transport", "交通运输专委会", "道路交通、客运、渡口码头"),
    ("fishery", "渔业船舶专委会", "渔船、休闲船、养殖船和渔港"),
    ("gas", "城镇燃气专委会", "瓶装燃气、管道燃气、餐饮场所用气"),
    ("crowded_places", "文旅及人员密集场所专委会", "文化旅游、娱乐、商业综合体、学校、宗教、养老等人员密集场所"),
]

POLICIES = [
    ("隐患·一般隐患整改期限", "normal", 7, "working_days"),
    ("隐患·重大隐患（治理方案报备前）", "urgent", 30, "working_days"),
]


def seed(apps, schema_editor):
    Committee = apps.get_model("safety", "Committee")
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    for sort, (code, name, description) in enumerate(COMMITTEES, start=1):
        Committee.objects.get_or_create(code=code, defaults={"name": name, "description": description, "sort": sort})
    for name, priority, target, unit in POLICIES:
        SlaPolicy.objects.get_or_create(
            name=name,
            case_type="hazard",
            defaults={
                "priority": priority,
                "target": target,
                "unit": unit,
                "response_target": 1,
                "response_unit": "working_days",
                "pausing_states": [],
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("cases", "SlaPolicy").objects.filter(case_type="hazard").delete()
    apps.get_model("safety", "Committee").objects.filter(code__in=[c[0] for c in COMMITTEES]).delete()


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_organisations_inspections_hazards"), ("cases", "0002_seed_taxonomy")]
    operations = [migrations.RunPython(seed, unseed)]
