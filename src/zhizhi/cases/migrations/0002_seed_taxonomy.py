"""Seed departments, the two-level event taxonomy, request natures and SLA policies.

Source: cases/data/taxonomy.yaml (a copy of shared/taxonomy.yaml). This is starting data that an
admin edits afterwards; the migration only inserts rows that do not exist yet.
"""

from pathlib import Path

import yaml
from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "taxonomy.yaml"
# Matters that must never appear on a public Open311 list, even masked: disputes between named
# neighbours or family members, intelligence about people, fraud leads, petition risks.
NOT_PUBLIC = {
    "neighbor_dispute", "family_dispute", "telecom_fraud", "public_order_hazard", "key_person_alert",
    "petition_group_risk", "cult_activity", "minor_protection", "illegal_fundraising",
}


def seed(apps, schema_editor):
    Department = apps.get_model("accounts", "Department")
    Category = apps.get_model("cases", "Category")
    RequestNature = apps.get_model("cases", "RequestNature")
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))

    depts = {}
    for d in doc["departments"]:
        depts[d["code"]], _ = Department.objects.get_or_create(code=d["code"], defaults={"name": d["name"]})

    def policy(name, **kw):
        SlaPolicy.objects.get_or_create(name=name, case_type="event", defaults=kw)

    policy("默认时限", target=5, unit="working_days", response_target=1, response_unit="working_days",
           pausing_states=["suspended"])
    policy("紧急事件", priority="urgent", target=24, unit="hours", response_target=2, response_unit="hours",
           pausing_states=["suspended"])
    for i, n in enumerate(doc["request_natures"]):
        nature, _ = RequestNature.objects.get_or_create(code=n["code"], defaults={"name": n["name"], "sort": i})
        if n.get("limit_wd"):
            policy(f"诉求性质·{n['name']}", nature=nature, target=n["limit_wd"], unit="working_days",
                   response_target=1, response_unit="working_days", pausing_states=["suspended"])
    sort = 0
    for cls in doc["categories"]:
        sort += 1
        parent, _ = Category.objects.get_or_create(code=cls["code"], defaults={"name": cls["name"], "sort": sort})
        for item in cls["items"]:
            sort += 1
            cat, _ = Category.objects.get_or_create(
                code=item["code"],
                defaults={"name": item["name"], "parent": parent, "department": depts[item["department"]],
                          "sort": sort, "accepts_public_reports": item["code"] not in NOT_PUBLIC},
            )
            limit = item["limit_wd"]
            if limit == 0:  # immediate: on site within 2 hours, closed within a day
                policy(f"分类·{item['name']}", category=cat, target=24, unit="hours", response_target=2,
                       response_unit="hours", pausing_states=["suspended"])
            else:
                policy(f"分类·{item['name']}", category=cat, target=limit, unit="working_days",
                       response_target=1, response_unit="working_days", pausing_states=["suspended"])


def unseed(apps, schema_editor):
    for model in ("SlaPolicy", "Category", "RequestNature"):
        M = apps.get_model("cases", model)
        if model == "Category":
            M.objects.filter(parent__isnull=False).delete()
        M.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
