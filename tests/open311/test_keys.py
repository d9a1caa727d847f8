"""Client keys: `zhizhi open311-key`, the admin, and the service account each key acts as."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client

from tests.open311.helpers import VILLAGE_A
from tests.township import TOWN_CODE, Township
from zhizhi.accounts import scope
from zhizhi.accounts.models import Role, User
from zhizhi.open311 import services
from zhizhi.open311.models import Open311Client, hash_key
from zhizhi.territory.models import Level, Region

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("open311-key", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_the_key_last_and_stores_only_its_hash(township: Township):
    lines = run("create", "随手拍")

    raw = lines[-1]
    client = Open311Client.objects.select_related("user").get()
    assert raw.startswith("o311_")
    assert len(raw) > 40
    assert client.name == "随手拍"
    assert client.key_hash == hash_key(raw)
    assert client.hint == raw[-4:]
    assert raw not in {client.key_hash, client.hint, client.user.username}
    assert services.authenticate(raw) == client
    assert lines[0].startswith(f"Open311 client {client.pk} “随手拍”, service account open311-")
    assert f"region {TOWN_CODE} 六横镇" in lines[0]


def test_the_service_account_is_a_hotline_operator_of_the_town_who_cannot_log_in(township: Township):
    client, _ = services.issue_client(name="随手拍")

    user = client.user
    assert user.role == Role.HOTLINE_OPERATOR
    assert user.is_active
    assert not user.is_staff
    assert not user.is_superuser
    assert not user.has_usable_password()
    assert list(user.regions.values_list("code", flat=True)) == [TOWN_CODE]
    assert user.display_name == "Open311：随手拍"
    for region in Region.objects.all():
        assert scope.can_create_in(user, region)


def test_create_with_a_region(township: Township):
    run("create", "杜庄村公众号", "--region", VILLAGE_A)

    user = Open311Client.objects.get().user
    assert list(user.regions.values_list("code", flat=True)) == [VILLAGE_A]
    assert scope.can_create_in(user, Region.objects.get(code=VILLAGE_A))
    assert not scope.can_create_in(user, Region.objects.get(code="330903107202"))


def test_create_with_an_unknown_region_fails(township: Township):
    with pytest.raises(CommandError, match="区域代码不存在：999"):
        run("create", "x", "--region", "999")
    assert not Open311Client.objects.exists()


def test_create_needs_a_region_when_there_is_not_exactly_one_town(township: Township):
    Region.objects.create(parent=None, level=Level.TOWN, code="330903108000", name="虾峙镇")

    with pytest.raises(CommandError, match="请指定客户端可上报的区域代码"):
        run("create", "x")
    assert not Open311Client.objects.exists()
    assert not User.objects.filter(username__startswith="open311-").exists()


def test_list_and_revoke(township: Township):
    first, _ = services.issue_client(name="随手拍")
    second, raw = services.issue_client(name="小程序")

    assert run("list") == [
        f"{first.pk}\t随手拍\t…{first.hint}\t{first.user.username}\t{TOWN_CODE}\tactive\t-",
        f"{second.pk}\t小程序\t…{second.hint}\t{second.user.username}\t{TOWN_CODE}\tactive\t-",
    ]

    assert run("revoke", str(second.pk)) == [f"revoked Open311 client {second.pk} “小程序”"]

    second.refresh_from_db()
    second.user.refresh_from_db()
    assert second.revoked_at is not None
    assert not second.user.is_active
    assert run("list")[1].split("\t")[5] == "revoked"
    with pytest.raises(services.InvalidApiKey):
        services.authenticate(raw)
    with pytest.raises(CommandError, match=f"没有未吊销的客户端 {second.pk}"):
        run("revoke", str(second.pk))


def test_deactivating_the_service_account_disables_the_key(township: Township):
    client, raw = services.issue_client(name="随手拍")
    User.objects.filter(pk=client.user_id).update(is_active=False)

    with pytest.raises(services.InvalidApiKey):
        services.authenticate(raw)


# --- Admin -------------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(township: Township) -> Client:
    boss = User.objects.create_superuser(username="root", password="pw-for-tests-1", email="r@example.com")
    c = Client()
    c.force_login(boss)
    return c


def test_admin_add_issues_a_key_shown_once(admin_client: Client):
    response = admin_client.post(
        "/admin/open311/open311client/add/", {"name": "随手拍", "region": ""}, follow=True
    )

    assert response.status_code == 200
    shown = [str(m) for m in get_messages(response.wsgi_request)]
    key_messages = [m for m in shown if m.startswith("新的 Open311 API key（只显示这一次）：")]
    assert len(key_messages) == 1
    raw = key_messages[0].split("：", 1)[1]
    client = Open311Client.objects.get()
    assert services.authenticate(raw) == client
    assert client.user.role == Role.HOTLINE_OPERATOR

    page = admin_client.get(f"/admin/open311/open311client/{client.pk}/change/")
    assert page.status_code == 200
    assert raw not in page.content.decode()


def test_admin_add_without_a_town_asks_for_a_region(admin_client: Client):
    Region.objects.create(parent=None, level=Level.TOWN, code="330903108000", name="虾峙镇")

    response = admin_client.post("/admin/open311/open311client/add/", {"name": "随手拍", "region": ""})

    assert response.status_code == 200  # the form again, with the error
    assert "请指定客户端可上报的区域代码" in response.content.decode()
    assert not Open311Client.objects.exists()


def test_admin_revoke_action(admin_client: Client):
    client, raw = services.issue_client(name="随手拍")

    response = admin_client.post(
        "/admin/open311/open311client/",
        {"action": "revoke", "_selected_action": [str(client.pk)]},
        follow=True,
    )

    assert response.status_code == 200
    client.refresh_from_db()
    assert client.revoked_at is not None
    with pytest.raises(services.InvalidApiKey):
        services.authenticate(raw)


def test_admin_lists_requests_and_questions(admin_client: Client):
    assert admin_client.get("/admin/open311/open311request/").status_code == 200
    assert admin_client.get("/admin/open311/serviceattribute/").status_code == 200
    assert admin_client.get("/admin/open311/serviceattribute/add/").status_code == 200
