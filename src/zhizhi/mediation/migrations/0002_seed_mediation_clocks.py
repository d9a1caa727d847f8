"""Seed the mediation clocks: one SLA policy (case type "dispute") per time limit, and the
MediationClock row naming it.

Starting data a province edits afterwards (the policy's target and unit); only rows that do not
exist yet are inserted.

- acceptance              3 working days from registration: decide on the application (a house
                          default — 人民调解法第二十一条 asks for 及时 mediation, without a number)
- conclusion              30 days from acceptance: 一般在一个月内调结 (《人民调解工作若干规定》第三十三条)
- extension               30 days: the longest (single) extension of the conclusion limit (house rule)
- judicial_confirmation   30 days from the agreement's effective date: the parties may apply to a court
                          for judicial confirmation (人民调解法第三十三条)
"""

from django.db import migrations

CLOCKS = [
    ("acceptance", "调解·受理（及时受理）", 3, "working_days", "《人民调解法》第二十一条（及时调解；本系统默认）"),
    ("conclusion", "调解·调结（一个月内）", 30, "days", "《人民调解工作若干规定》第三十三条"),
    ("extension", "调解·延长调解期限上限", 30, "days", "本系统默认（一次，说明理由，期满前）"),
    ("judicial_confirmation", "调解·申请司法确认期限（第三十三条）", 30, "days", "《人民调解法》第三十三条"),
]


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("cases", "SlaPolicy")
    MediationClock = apps.get_model("mediation", "MediationClock")
    for stage, name, target, unit, article in CLOCKS:
        policy, _ = SlaPolicy.objects.get_or_create(
            name=name,
            case_type="dispute",
            defaults={"target": target, "unit": unit, "pausing_states": []},
        )
        MediationClock.objects.get_or_create(stage=stage, defaults={"policy": policy, "article": article})


def unseed(apps, schema_editor):
    apps.get_model("mediation", "MediationClock").objects.all().delete()
    apps.get_model("cases", "SlaPolicy").objects.filter(case_type="dispute").delete()


class Migration(migrations.Migration):
    dependencies = [("mediation", "0001_disputes_and_agreements"), ("cases", "0002_seed_taxonomy")]
    operations = [migrations.RunPython(seed, unseed)]
