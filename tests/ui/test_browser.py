"""End to end in a real headless Chromium: API + chat UI on loopback, a question, source cards, feedback."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cli.serve_cmds import ui_command
from tests.api.conftest import RunningApi
from tests.cli_helpers import REPO, haln_env
from tests.conftest import free_port
from tests.ui.conftest import ADMIN

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = REPO / "tests" / "artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Chromium is not installed: run `make install-browser` (apt packages chromium, chromium-driver)",
)


@pytest.fixture(scope="module")
def ui_url(ui_api: RunningApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = haln_env(tmp_path_factory.mktemp("ui-run"), HALN_API_URL=ui_api.url)
    process = subprocess.Popen(
        ui_command(port, ui_api.url), cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(timeout=20)


def make_driver(width: int, height: int, profile: Path) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for flag in [*FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def wait_for(driver: object, condition: object, timeout: float = 90) -> object:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)  # type: ignore[arg-type]


def test_question_answer_cards_and_feedback_in_a_browser(
    ui_url: str, ui_api: RunningApi, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    ARTIFACTS.mkdir(exist_ok=True)
    driver = make_driver(1280, 1400, tmp_path / "desktop")
    try:
        driver.get(ui_url)  # type: ignore[attr-defined]
        box = wait_for(
            driver,
            ec.element_to_be_clickable((By.CSS_SELECTOR, "textarea[data-testid='stChatInputTextArea']")),
        )
        box.send_keys("I'm a procurement lead at an NHS trust, where do I start with social value?\n")  # type: ignore[attr-defined]
        link = wait_for(
            driver, ec.presence_of_element_located((By.PARTIAL_LINK_TEXT, "Open the original source"))
        )
        href = link.get_attribute("href")  # type: ignore[attr-defined]
        assert href.startswith("https://")
        page_text = driver.find_element(By.TAG_NAME, "body").text  # type: ignore[attr-defined]
        assert "First steps" in page_text and "[1]" in page_text
        driver.save_screenshot(str(ARTIFACTS / "chat-desktop.png"))  # type: ignore[attr-defined]

        down = wait_for(
            driver, ec.element_to_be_clickable((By.XPATH, "//button[contains(., 'Not helpful')]"))
        )
        down.click()  # type: ignore[attr-defined]
        reason = wait_for(
            driver, ec.element_to_be_clickable((By.XPATH, "//label[contains(., 'Missing sources')]"))
        )
        reason.click()  # type: ignore[attr-defined]
        send = wait_for(
            driver, ec.element_to_be_clickable((By.XPATH, "//button[contains(., 'Send feedback')]"))
        )
        send.click()  # type: ignore[attr-defined]
        wait_for(
            driver, ec.presence_of_element_located((By.XPATH, "//*[contains(text(), 'feedback was saved')]"))
        )
        stored = httpx.get(f"{ui_api.url}/v1/feedback", headers={"Authorization": f"Bearer {ADMIN}"}).json()
        assert any(f["reason"] == "Missing sources" and f["rating"] == "down" for f in stored)

        driver.set_window_size(390, 1600)  # type: ignore[attr-defined]
        time.sleep(1.5)
        driver.save_screenshot(str(ARTIFACTS / "chat-mobile.png"))  # type: ignore[attr-defined]
    finally:
        driver.quit()  # type: ignore[attr-defined]
    assert (ARTIFACTS / "chat-desktop.png").stat().st_size > 10_000
    shutil.copy(ARTIFACTS / "chat-desktop.png", tmp_path / "kept.png")
