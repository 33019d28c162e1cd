"""viz.explore in a real browser: Debian's chromium, headless, driven by selenium.

The tests open the page from a file:// URL, press "next step" through the backward pass of
the 2-3-2 network, read what the page shows and compare it with backward() and with the
text of `viz.trace_backward`. Without chromium/chromedriver/selenium they skip on a
developer's machine and fail in CI (`CI` set), where `.ci/run` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import numpy as np
import pytest

import tinygrad_nn as tg
from tinygrad_nn import viz

CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,900",
)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _missing() -> str:
    """What this machine lacks to run the browser tests ("" when nothing)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return "chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
    return ""


@pytest.fixture(scope="module")
def browser():
    """A headless chromium with a fresh profile, closed after the module's tests."""
    missing = _missing()
    if missing:
        if os.environ.get("CI") or os.environ.get("TINYGRAD_NN_REQUIRE_BROWSER"):
            pytest.fail(f"browser tests cannot run in CI: {missing}")
        pytest.skip(missing)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options.add_argument(f"--user-data-dir={profile}")
    options.binary_location = shutil.which("chromium")
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def _net_232(seed: int = 0):
    tg.manual_seed(seed)
    model = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.ReLU(), tg.nn.Linear(3, 2))
    x, y = tg.tensor([[0.8, -0.4], [-1.2, 0.9]]), tg.tensor([0, 1])
    return model, tg.nn.functional.cross_entropy(model(x), y)


def _by_id(driver, element_id: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.ID, element_id)


def _shown_lines(driver) -> list:
    from selenium.webdriver.common.by import By

    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#step-lines > .line")]


def _classes(driver, cls: str) -> set:
    from selenium.webdriver.common.by import By

    found = driver.find_elements(By.CSS_SELECTOR, f"#graph [data-node].{cls}")
    return {el.get_attribute("data-node") for el in found}


def _leaf_values(driver, params: dict) -> dict:
    from selenium.webdriver.common.by import By

    shown = {}
    for el in driver.find_elements(By.CSS_SELECTOR, "#leaves .leaf"):
        values = json.loads(el.get_attribute("data-values"))
        shown[el.get_attribute("data-name")] = (values, el.get_attribute("data-final"))
    return shown


def _step_through(driver, page, params: dict):
    """Press next through every step, checking each against the text; return the end state."""
    steps = page.steps.steps
    assert _by_id(driver, "position").text == f"step 0 of {len(steps)}"
    assert _leaf_values(driver, params)["2.bias"] == (None, "false")
    for k, step in enumerate(steps, 1):
        _by_id(driver, "next").click()
        assert _by_id(driver, "explorer").get_attribute("data-position") == str(k)
        assert _shown_lines(driver) == step.lines(len(steps))  # the page says what the text says
        assert _classes(driver, "running") == {step.node_id}
        assert _classes(driver, "done") == {s.node_id for s in steps[: k - 1]}
        flows = [f for f in step.flows if f.target]
        for i, flow in enumerate(step.flows):
            if flow.grad is not None:
                shown = json.loads(_by_id(driver, f"flow-{i}").get_attribute("data-values"))
                np.testing.assert_allclose(np.array(shown, dtype=float), flow.grad, rtol=1e-6)
        assert _classes(driver, "receiving") == (
            {f.target for f in flows} if k < len(steps) else set()
        )
    assert _classes(driver, "final") >= {leaf.node_id for leaf in page.steps.leaves}
    return _leaf_values(driver, params)


@pytest.mark.parametrize("graphviz", [True, False], ids=["svg", "fallback"])
def test_press_next_through_backward_of_the_232_network(browser, tmp_path, monkeypatch, graphviz):
    model, loss = _net_232()
    params = dict(model.named_parameters())
    with monkeypatch.context() as patch:
        if not graphviz:
            patch.setenv("PATH", str(tmp_path))  # `dot` is not found: the plain-HTML layout
        page = viz.explore(loss, params=params, path=tmp_path / "out" / "backward.html")
    assert page.graph_mode == ("svg" if graphviz else "fallback")
    browser.get(f"file://{page.path}")
    assert (
        browser.find_elements("css selector", "#graph svg")
        if graphviz
        else "laid out in plain HTML" in _by_id(browser, "graph").text
    )
    assert _classes(browser, "running") == set()
    end = _step_through(browser, page, params)

    loss.backward()  # explore left .grad alone; now the real thing
    for name, p in params.items():
        values, final = end[name]
        assert final == "true"
        np.testing.assert_allclose(np.array(values), p.grad.numpy(), rtol=1e-6, atol=0)
    assert _by_id(browser, "leaves").text.splitlines() == [
        leaf.line() for leaf in page.steps.leaves
    ]
    shot = tmp_path / f"explorer_{'svg' if graphviz else 'fallback'}.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == PNG_MAGIC


def test_previous_slider_and_leaf_accumulation(browser, tmp_path):
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor(3.0, requires_grad=True)
    page = viz.explore((a * b * a).sum(), params={"a": a, "b": b}, path=tmp_path / "p.html")
    browser.get(f"file://{page.path}")
    for _ in range(2):
        _by_id(browser, "next").click()
    assert "1st contribution to a.grad" in _by_id(browser, "step-lines").text
    shown = _leaf_values(browser, {})
    assert shown["a"] == ([3.0, 6.0], "false")  # one of two contributions so far
    _by_id(browser, "next").click()
    assert "2nd contribution to a.grad" in _by_id(browser, "step-lines").text
    assert _leaf_values(browser, {})["a"] == ([6.0, 12.0], "true")
    _by_id(browser, "prev").click()
    assert _by_id(browser, "position").text == "step 2 of 3"
    browser.execute_script(
        "const s = document.getElementById('slider'); s.value = '0';"
        "s.dispatchEvent(new Event('input'));"
    )
    assert _by_id(browser, "position").text == "step 0 of 3"
    assert _leaf_values(browser, {})["a"] == (None, "false")
    assert a.grad is None and b.grad is None
