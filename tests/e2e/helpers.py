from __future__ import annotations

import base64
import time
from pathlib import Path

from tests.world import PASSWORD


def shot(page, screens_dir: Path, name: str) -> Path:
    """A full-page screenshot under var/screens/ (look at it: a test cannot judge a layout)."""
    path = screens_dir / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base_url}/")
    assert "/login/" in page.url, page.url
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("load")


def assert_styled(page) -> None:
    """Tabler's stylesheet and ours were loaded and applied (not an unstyled HTML page)."""
    loaded = page.evaluate(
        "() => [...document.styleSheets].map(s => s.href || '').filter(h => h.includes('/static/'))"
    )
    assert any("tabler.min.css" in h for h in loaded) and any("web/app.css" in h for h in loaded), loaded
    # A Tabler custom property on :root, and our system-font stack on <body>.
    primary = page.evaluate(
        "() => getComputedStyle(document.documentElement).getPropertyValue('--tblr-primary')"
    )
    assert primary.strip(), "Tabler CSS variables are not defined"
    font = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert "PingFang SC" in font, font


def assert_fits_width(page) -> None:
    """Nothing pushes the page wider than the viewport (wide tables scroll inside their card)."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


def totp_now(secret_b32: str) -> str:
    """The current 6-digit code for a base32 secret, as an authenticator app computes it."""
    from django_otp.oath import totp

    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    return f"{totp(key, step=30, t0=0, digits=6, drift=0):06d}"


def wait_for_fresh_totp_window(min_seconds_left: float = 3.0) -> None:
    """Avoid typing a code in the last moments of its 30-second window."""
    left = 30 - (time.time() % 30)
    if left < min_seconds_left:
        time.sleep(left + 0.2)


def enrol_second_factor(page, base_url: str) -> None:
    """After log_in: an admin sent to enrol a TOTP device does so with the shown secret and lands
    where the login was going."""
    assert page.url.startswith(f"{base_url}/2fa/setup/"), page.url
    secret = page.locator("[data-testid=otp-secret]").inner_text().strip()
    wait_for_fresh_totp_window()
    page.fill("#token", totp_now(secret))
    page.click(".page-body form button[type=submit]")
    page.wait_for_load_state("load")
    assert "/2fa/" not in page.url, page.url
