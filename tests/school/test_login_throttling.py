import pytest
from django.core.cache import cache

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def test_it_locks_an_account_after_repeated_failures(personas, client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "xiaoming", "password": "nope"}).status_code == 200
    locked = client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # another account from the same address is not affected by this account's lock
    assert client.post("/accounts/login/", {"username": "xiaohong", "password": "pw-for-tests-1"}).status_code == 302


def test_it_locks_an_address_that_tries_many_accounts(personas, client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for name in ("a", "b", "c", "d"):
        client.post("/accounts/login/", {"username": name, "password": "nope"})
    response = client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"})
    assert response.status_code == 429


def test_it_guards_the_admin_login_too(personas, client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    for _ in range(2):
        client.post("/admin/login/", {"username": "admin_a", "password": "nope"})
    client.post("/admin/login/", {"username": "admin_a", "password": "pw-for-tests-1"})
    assert "_auth_user_id" not in client.session


def test_it_forgets_failures_after_a_successful_login(personas, client, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    for _ in range(2):
        client.post("/accounts/login/", {"username": "xiaoming", "password": "nope"})
    assert client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"}).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(2):
        client.post("/accounts/login/", {"username": "xiaoming", "password": "nope"})
    assert client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"}).status_code == 302


def test_it_lets_people_in_when_the_cache_is_down(personas, client, monkeypatch):
    from school.security import throttle

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(throttle.cache, "get", broken)
    monkeypatch.setattr(throttle.cache, "add", broken)
    assert client.post("/accounts/login/", {"username": "xiaoming", "password": "pw-for-tests-1"}).status_code == 302
