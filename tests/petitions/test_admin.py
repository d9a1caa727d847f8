"""The admin lists every petition model with personal data masked."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.petitions.helpers import ZHANG, act, at, drive
from tests.township import Township
from zhizhi.accounts.models import User
from zhizhi.petitions import services


@pytest.mark.parametrize(
    "model",
    ["petitionclock", "petition", "petitioner", "opinion", "keyperson", "contactlog", "keypersonevent"],
)
def test_every_model_is_listed_without_personal_data(t: Township, model: str) -> None:
    case = drive(t, "handling").case
    act(t, case, "reply", now=at("2024-03-10 10:00"))
    person = services.save_key_person(
        actor=t.users["dispatcher"],
        data=services.KeyPersonInput(
            name="张三", id_number=ZHANG, phone="13800138000", region="330903107201", risk_level="high",
            reason="欠薪", plan="每周走访", cadres=["cadre_a"],
        ),
    )  # fmt: skip
    services.log_contact(
        actor=t.users["cadre_a"], person_id=person.pk, contacted_at=at("2024-03-05 15:00"), method="visit",
        content="走访", now=at("2024-03-05 16:00"),
    )  # fmt: skip
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw-for-tests-1"))
    page = client.get(f"/admin/petitions/{model}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ZHANG not in html
    assert "13800138000" not in html
    assert "张三" not in html
