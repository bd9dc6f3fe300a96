"""The verification page in a real browser (Debian's Chromium, headless, driven by Selenium).

A visitor scans the QR code: the page of the issued letter opens on a phone.
They read it, upload the PDF they were given (the issued one: genuine), then a
tampered copy (one byte changed inside a signed range: refused). The page is
photographed at phone width (390×844) for a person to look at:
``/tmp/spt-web-phone.png`` (first screen) and ``/tmp/spt-web-phone-full.png``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipeline.core.dates_id import format_date
from pipeline.core.nip import Nip
from tests.integration.web.issued import tampered

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
SCREENSHOT = Path("/tmp/spt-web-phone.png")
SCREENSHOT_FULL = Path("/tmp/spt-web-phone-full.png")


@pytest.fixture
def browser(tmp_path):
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(scripts/install.sh --dev installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}",
                 f"--window-size={PHONE['width']},{PHONE['height']}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver) -> list[str]:
    urls = []
    for line in driver.get_log("performance"):
        message = json.loads(line["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def screenshot(driver, path: Path, *, full: bool) -> None:
    import base64

    params: dict = {"format": "png"}
    if full:
        size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        params |= {"captureBeyondViewport": True,
                   "clip": {"x": 0, "y": 0, "width": PHONE["width"],
                            "height": size["height"], "scale": 1}}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", params)
    path.write_bytes(base64.b64decode(shot["data"]))


def upload(driver, pdf: Path) -> tuple[str, str]:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, "berkas").send_keys(str(pdf))
    driver.find_element(By.CSS_SELECTOR, "form.upload button[type=submit]").click()
    result = WebDriverWait(driver, 60).until(ec.presence_of_element_located((By.ID, "hasil")))
    return result.get_attribute("data-verdict"), result.text


def test_the_letter_page_on_a_phone(browser, web, issued, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(f"{web.url}/v/{issued.token}")
    body = browser.find_element(By.TAG_NAME, "body").text
    entry = issued.entry

    status = browser.find_element(By.ID, "status")
    # A letter of `spt demo`, signed with DEMO certificates: a DEMO banner, not "Asli".
    assert status.text.startswith("SURAT DEMO")
    # The inline stylesheet was applied (its CSP hash matched): the status box is amber.
    assert status.value_of_css_property("background-color") == "rgba(255, 244, 224, 1)"
    for shown in (entry.number, format_date(entry.letter_date), entry.hal,
                  "DINAS KOPERASI, USAHA KECIL DAN MENENGAH", "Gubernur",
                  "H. Arif Rahman Hakim, S.H.", "Cap Dinas"):
        assert shown in body, shown
    for person in entry.assignees:
        assert person["nama"] in body and person["jabatan"] in body
        assert Nip(person["nip"]).masked() in body
        assert Nip(person["nip"]).formatted() not in body
    assert body.count("Utuh dan sah") == 7

    # Readable on a phone: nothing wider than the screen, text not shrunk.
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    size = browser.find_element(By.CSS_SELECTOR, "dl.facts dd").value_of_css_property("font-size")
    assert float(size.removesuffix("px")) >= 15

    # Nothing was loaded from anywhere but this server, and the browser reported no error.
    # (Chromium's own chrome:// pages, such as its new-tab page, are not the page's requests.)
    elsewhere = [u for u in requested_urls(browser)
                 if not u.startswith((web.url, "data:", "chrome:", "chrome-untrusted:"))]
    assert elsewhere == []
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []

    screenshot(browser, tmp_path / "phone.png", full=False)
    screenshot(browser, tmp_path / "phone-full.png", full=True)
    shutil.copyfile(tmp_path / "phone.png", SCREENSHOT)
    shutil.copyfile(tmp_path / "phone-full.png", SCREENSHOT_FULL)
    assert (tmp_path / "phone.png").stat().st_size > 10_000


def test_uploading_the_issued_pdf_and_a_tampered_copy(browser, web, issued, tmp_path):
    browser.get(f"{web.url}/v/{issued.token}")
    verdict, text = upload(browser, issued.pdf)
    assert verdict == "diterbitkan"
    # `spt demo`'s letter: the issued file, but signed with DEMO certificates.
    assert "Berkas ini adalah SURAT DEMO – bukan surat dinas yang sah" in text
    screenshot(browser, tmp_path / "genuine.png", full=True)
    shutil.copyfile(tmp_path / "genuine.png", Path("/tmp/spt-web-phone-genuine.png"))

    changed = tmp_path / "spt-diubah.pdf"                 # one byte changed in a signed range
    changed.write_bytes(tampered(issued.pdf.read_bytes()))
    browser.get(f"{web.url}/v/{issued.token}")
    verdict, text = upload(browser, changed)
    assert verdict == "berkas-lain"
    assert "bukan berkas yang diterbitkan" in text
    assert "adalah SPT asli yang diterbitkan" not in text
    screenshot(browser, tmp_path / "tampered.png", full=True)
    shutil.copyfile(tmp_path / "tampered.png", Path("/tmp/spt-web-phone-tampered.png"))


def test_an_unknown_token_in_the_browser(browser, web):
    from selenium.webdriver.common.by import By

    browser.get(f"{web.url}/v/{'A' * 32}")
    assert "Surat tidak ditemukan" in browser.find_element(By.TAG_NAME, "h1").text
