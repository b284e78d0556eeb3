"""Sessions end when they should: signing out, a new password, deactivation and "sign out
everywhere" end the sessions and remember-me cookies of every device; API tokens stay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from realty_crm.extensions import db
from realty_crm.models import Role, User
from realty_crm.testing.factories import PASSWORD, form_token

NEW_PASSWORD = "a brand new passphrase"


def _sign_in(app, user, remember=False, base="http://localhost"):
    """A new device (test client) signed in as ``user`` through the login form."""
    device = app.test_client()
    token = form_token(device, f"{base}/login")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = device.post(f"{base}/login", data=data, headers={"Referer": f"{base}/login"})
    assert response.status_code == 302
    return device


def _signed_in(device) -> bool:
    return device.get("/").status_code == 200


def _signed_in_by_remember_cookie(app, device) -> bool:
    """Whether a browser holding only ``device``'s remember-me cookie (its session cookie lost
    when it was closed) is signed in."""
    remember = device.get_cookie("remember_token")
    if remember is None:
        return False
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    return _signed_in(fresh)


def _version(user: User) -> int:
    db.session.expire_all()
    return db.session.get(User, user.id).session_version


def _post(device, path, form_page, data=None):
    return device.post(path, data={"csrf_token": form_token(device, form_page), **(data or {})})


def test_signing_out_ends_the_session_and_the_remember_cookie_on_every_device(app, make):
    user = make.user()
    phone, laptop = _sign_in(app, user, remember=True), _sign_in(app, user)
    assert _signed_in(phone) and _signed_in_by_remember_cookie(app, phone)

    assert _post(laptop, "/logout", "/").status_code == 302

    assert not _signed_in(laptop)
    assert not _signed_in(phone)
    assert not _signed_in_by_remember_cookie(app, phone)
    assert _signed_in(_sign_in(app, user))  # the password still works


def test_a_new_password_signs_out_the_other_devices_and_keeps_this_one(app, make):
    user = make.user()
    phone, laptop = _sign_in(app, user, remember=True), _sign_in(app, user, remember=True)

    response = _post(laptop, "/settings/password", "/settings/profile", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })

    assert response.status_code == 302
    assert "other devices are signed out" in laptop.get("/settings/profile").get_data(as_text=True)
    assert _signed_in(laptop) and _signed_in_by_remember_cookie(app, laptop)
    assert not _signed_in(phone)
    assert not _signed_in_by_remember_cookie(app, phone)


def test_deactivating_a_user_ends_their_sessions_for_good(app, make, api):
    admin = make.user(role=Role.ADMIN)
    agent = make.user(admin.agency)
    phone = _sign_in(app, agent, remember=True)

    assert api(admin).patch(f"/api/v1/agents/{agent.id}", json={"active": False}).status_code == 200
    assert not _signed_in(phone)
    # switched back on, the old cookies stay dead: the agent signs in again
    assert api(admin).patch(f"/api/v1/agents/{agent.id}", json={"active": True}).status_code == 200
    assert not _signed_in_by_remember_cookie(app, phone)
    assert _signed_in(_sign_in(app, agent))


def test_an_admin_signs_a_user_out_everywhere_from_the_users_page(app, make, api):
    admin = make.user(role=Role.ADMIN)
    agent = make.user(admin.agency)
    phone, laptop = _sign_in(app, agent, remember=True), _sign_in(app, agent)
    token_client = api(agent)
    desk = _sign_in(app, admin)

    page = desk.get(f"/users/{agent.id}/edit").get_data(as_text=True)
    assert "Sign out everywhere" in page
    assert f'action="/users/{agent.id}/sign-out"' in page
    response = _post(desk, f"/users/{agent.id}/sign-out", f"/users/{agent.id}/edit")

    assert response.status_code == 302
    assert "is signed out on every device" in desk.get(response.headers["Location"]).get_data(as_text=True)
    assert not _signed_in(phone) and not _signed_in(laptop)
    assert not _signed_in_by_remember_cookie(app, phone)
    assert token_client.get("/api/v1/me").status_code == 200  # API tokens are not sessions
    assert _signed_in(desk)


def test_sign_out_everywhere_is_for_admins_of_the_same_agency_only(app, make):
    admin = make.user(role=Role.ADMIN)
    colleague = make.user(admin.agency)
    stranger = make.user(make.agency())
    strangers_phone, colleagues_phone = _sign_in(app, stranger), _sign_in(app, colleague)
    desk = _sign_in(app, admin)
    token = form_token(desk, "/settings/profile")

    assert desk.post(f"/users/{stranger.id}/sign-out", data={"csrf_token": token}).status_code == 404
    assert colleagues_phone.post(
        f"/users/{admin.id}/sign-out", data={"csrf_token": form_token(colleagues_phone, "/")}
    ).status_code == 403

    assert _version(stranger) == 0 and _version(admin) == 0
    assert _signed_in(strangers_phone) and _signed_in(desk)


def test_a_user_signs_out_their_other_devices_from_their_profile(app, make):
    user = make.user()
    phone, laptop = _sign_in(app, user, remember=True), _sign_in(app, user, remember=True)

    assert "Sign out everywhere else" in laptop.get("/settings/profile").get_data(as_text=True)
    response = _post(laptop, "/settings/sign-out-elsewhere", "/settings/profile")

    assert response.status_code == 302
    assert _signed_in(laptop) and _signed_in_by_remember_cookie(app, laptop)
    assert not _signed_in(phone) and not _signed_in_by_remember_cookie(app, phone)


def test_both_buttons_speak_spanish(app, make):
    admin = make.user(make.agency(locale="es"), role=Role.ADMIN)
    desk = _sign_in(app, admin)
    assert "Cerrar sesión en los demás dispositivos" in desk.get("/settings/profile").get_data(as_text=True)
    users_page = desk.get(f"/users/{admin.id}/edit").get_data(as_text=True)
    assert "Cerrar sesión en todos los dispositivos" in users_page


def _remember_cookie(response) -> str:
    return next(v for k, v in response.headers.items() if k == "Set-Cookie" and "remember_token=" in v)


def _sign_in_remembered(app, user, base):
    device = app.test_client()
    token = form_token(device, f"{base}/login")
    return device.post(
        f"{base}/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": token, "remember": "y"},
        headers={"Referer": f"{base}/login"},
    )


def test_the_remember_cookie_lasts_thirty_days_and_is_secure_over_https(app, make):
    user = make.user()
    over_https = _remember_cookie(_sign_in_remembered(app, user, "https://localhost"))
    over_http = _remember_cookie(_sign_in_remembered(app, user, "http://localhost"))

    assert "Secure" in over_https and "HttpOnly" in over_https
    assert "Secure" not in over_http
    expires = parsedate_to_datetime(over_https.split("Expires=", 1)[1].split(";", 1)[0])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
