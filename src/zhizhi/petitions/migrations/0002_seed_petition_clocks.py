"""Seed the petition clocks: one SLA policy (case type "petition", natural days) per stage of
信访工作条例 (2022), and the PetitionClock row naming it.

Starting data a province edits afterwards (the policy's target and unit); only rows that do not
exist yet are inserted.

- acceptance         15 days from receipt: decide and notify in writing (第二十三条)
- handling           60 days from acceptance: the written reply (第三十四条)
- extension          30 days: the longest (single) extension (第三十四条)
- review_request     30 days from the served reply: the petitioner may ask for review (第三十五条)
- review             30 days from the request: the review opinion (第三十五条)
- re_review_request  30 days from the served review opinion: may ask for re-review (第三十六条)
- re_review          30 days from the request: the re-review opinion (第三十六条)
"""

from django.db import migrations

CLOCKS = [
    ("acceptance", "信访·受理告知（第二十三条）", 15, "《信访工作条例》第二十三条"),
    ("handling", "信访·办理答复（第三十四条）", 60, "《信访工作条例》第三十四条"),
    ("extension", "信访·延长办理期限上限（第三十四条）", 30, "《信访工作条例》第三十四条"),
    ("review_request", "信访·请求复查期限（第三十五条）", 30, "《信访工作条例》第三十五条"),
    ("review", "信访·复查答复（第三十五条）", 30, "《信访工作条例》第三十五条"),
    ("re_review_request", "信访·请求复核期限（第三十六条）", 30, "《信访工作条例》第三十六条"),
    ("re_review", "信访·复核答复（第三十六条）", 30, "《信访工作条例》第三十六条"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    PetitionClock = apps.get_model("petitions", "PetitionClock")
    for stage, name, target, article in CLOCKS:
        policy, _ = SlaPolicy.objects.get_or_create(
            name=name,
            case_type="petition",
            defaults={"target": target, "unit": "days", "pausing_states": []},
        )
        PetitionClock.objects.get_or_create(stage=stage, defaults={"policy": policy, "article": article})


def unseed(apps, schema_editor):
    apps.get_model("petitions", "PetitionClock").objects.all().delete()
    apps.get_model("cases", "SlaPolicy").objects.filter(case_type="petition").delete()


class Migration(migrations.Migration):
    dependencies = [("petitions", "0001_petitions_and_key_persons"), ("cases", "0002_seed_taxonomy")]
    operations = [migrations.RunPython(seed, unseed)]
