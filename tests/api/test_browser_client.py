"""Issue 18: the API called cross-origin from a page in a real headless Chromium, as a browser portal
calls it: CORS on every status (a 413 and a 429 included), readable `X-Request-ID`, `Retry-After` and
`RateLimit-*`, the OpenAI SDK's `x-stainless-*` headers through the preflight, and the error shape.

The page is docs/browser-client.html, the minimal client docs/api.md describes, served from an origin of
its own (another port)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from tests.api.conftest import PORTAL_KEY, ContractApi
from tests.cli_helpers import REPO
from tests.ui.test_browser import CHROMEDRIVER, CHROMIUM, FLAGS

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="Chromium is not installed: run `make install-browser` (apt packages chromium, chromium-driver)",
)
PAGE = REPO / "docs" / "browser-client.html"


NODE_MODULES = REPO / "tests" / "node" / "node_modules"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """docs/ at the root, and the pinned npm packages under /node_modules/ (the openai package's ES
    modules load in the browser as they are)."""

    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".mjs": "text/javascript",
    }

    def translate_path(self, path: str) -> str:
        if path.startswith("/node_modules/"):
            return str(NODE_MODULES / path.removeprefix("/node_modules/").split("?")[0])
        return super().translate_path(path)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def page_server(contract_api: ContractApi) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(PAGE.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", contract_api.page_port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"{contract_api.page_origin}/{PAGE.name}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    profile = tmp_path_factory.mktemp("chromium-profile")
    for flag in [*FLAGS, "--window-size=1000,800", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(90)
    yield driver
    driver.quit()


@pytest.fixture
def page(browser: Any, page_server: str, contract_api: ContractApi) -> Any:
    browser.get(f"{page_server}?api={contract_api.api.url}&key={PORTAL_KEY}")
    return browser


def call(page: Any, script: str) -> Any:
    """Run `script` (an async function body with `api`, `key` and the page's `haln` client in scope) in
    the page and return what it returns; a thrown error comes back as {"thrown": message}."""
    return page.execute_async_script(
        """const done = arguments[arguments.length - 1];
        const api = new URLSearchParams(location.search).get('api');
        const key = new URLSearchParams(location.search).get('key');
        (async () => {"""
        + script
        + """})().then(done, e => done({thrown: String(e)}));"""
    )


def test_the_page_is_cross_origin(page: Any, contract_api: ContractApi) -> None:
    assert page.execute_script("return location.origin") == contract_api.page_origin
    assert contract_api.page_origin != contract_api.api.url


def test_answer_with_sdk_headers_exposes_request_id_and_rate_limit(page: Any) -> None:
    result = call(
        page,
        """const r = await fetch(api + '/v1/answer', {method: 'POST', headers: {
              'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json',
              'x-stainless-lang': 'js', 'x-stainless-retry-count': '0', 'OpenAI-Organization': 'x',
              'X-HALN-User': 'browser-1'},
            body: JSON.stringify({question: 'What is the Lambeth GP Food Co-op?'})});
          const body = await r.json();
          return {status: r.status, rid: r.headers.get('X-Request-ID'),
                  limit: r.headers.get('RateLimit-Limit'), remaining: r.headers.get('RateLimit-Remaining'),
                  answer: body.answer, citations: body.citations.length};""",
    )
    assert result["status"] == 200, result
    assert result["rid"] and result["citations"] and "[1]" in result["answer"]
    assert int(result["limit"]) >= 1 and result["remaining"] is not None


def test_errors_are_readable_in_the_page_413_included(page: Any) -> None:
    result = call(
        page,
        """const auth = {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'};
          const big = await fetch(api + '/v1/answer', {method: 'POST', headers: auth,
            body: JSON.stringify({question: 'x'.repeat(30000)})});
          const bad = await fetch(api + '/v1/answer', {method: 'POST', headers: auth, body: '{}'});
          const denied = await fetch(api + '/v1/sources', {headers: {'Authorization': 'Bearer nope'}});
          return {big: [big.status, (await big.json()).error.code, big.headers.get('X-Request-ID')],
                  bad: [bad.status, (await bad.json()).error.param],
                  denied: [denied.status, (await denied.json()).error.code]};""",
    )
    assert result["big"][:2] == [413, "request_too_large"] and result["big"][2], result
    assert result["bad"] == [422, "question"]
    assert result["denied"] == [403, "invalid_api_key"]


def test_streamed_answer_joins_to_the_final_answer(page: Any) -> None:
    result = call(
        page,
        """const events = await haln.stream(api, key, {question: 'What is the Lambeth GP Food Co-op?'});
          const text = events.filter(e => e.event === 'delta').map(e => e.data.text).join('');
          const done = events.find(e => e.event === 'done').data;
          return {joined: text === done.answer, kinds: [...new Set(events.map(e => e.event))]};""",
    )
    assert result.get("joined") is True, result
    assert result["kinds"] == ["delta", "citations", "done"]


def test_a_429_is_readable_with_retry_after(page: Any) -> None:
    result = call(
        page,
        """const statuses = [];
          let last;
          for (let i = 0; i < 8; i++) {
            last = await fetch(api + '/v1/answer', {method: 'POST', headers: {
                'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json',
                'X-HALN-User': 'browser-429'},
              body: JSON.stringify({question: 'What is the Lambeth GP Food Co-op?'})});
            statuses.push(last.status);
            if (last.status === 429) break;
          }
          let caught = null;
          try { await haln.answer(api, key, {question: 'x'}, 'browser-429'); }
          catch (e) { caught = {code: e.code, retryAfter: e.retryAfter, requestId: e.requestId}; }
          return {statuses, retry: last.headers.get('Retry-After'),
                  remaining: last.headers.get('RateLimit-Remaining'), code: (await last.json()).error.code,
                  caught};""",
    )
    assert result["statuses"][-1] == 429 and result["statuses"][:-1] == [200] * (len(result["statuses"]) - 1)
    assert (
        int(result["retry"]) >= 1 and result["remaining"] == "0" and result["code"] == "rate_limit_exceeded"
    )
    assert result["caught"]["code"] == "rate_limit_exceeded" and int(result["caught"]["retryAfter"]) >= 1
    assert result["caught"]["requestId"]


@pytest.mark.skipif(
    not (NODE_MODULES / "openai").is_dir(),
    reason="the openai npm package is not installed: make install-node",
)
def test_the_openai_npm_package_works_in_the_page(page: Any) -> None:
    result = call(
        page,
        """const {default: OpenAI} = await import('/node_modules/openai/index.mjs');
          const oa = new OpenAI({baseURL: api + '/v1', apiKey: key, dangerouslyAllowBrowser: true,
                                 maxRetries: 0, defaultHeaders: {'X-HALN-User': 'browser-sdk'}});
          const ask = [{role: 'user', content: 'What is the Lambeth GP Food Co-op?'}];
          const done = await oa.chat.completions.create({model: 'haln-assistant', messages: ask});
          const raw = await oa.chat.completions.create({model: 'haln-assistant', messages: ask, max_tokens: 3})
            .withResponse();
          let refused = null;
          try { await oa.chat.completions.create({model: 'gpt-4o', messages: ask}); }
          catch (e) { refused = {status: e.status, code: e.code, param: e.param, type: e.type,
                                 requestId: e.requestID ?? e.request_id ?? null}; }
          const pieces = [];
          let usage = null;
          const stream = await oa.chat.completions.create({model: 'haln-assistant', messages: ask,
            stream: true, stream_options: {include_usage: true}});
          for await (const chunk of stream) {
            if (chunk.choices.length) pieces.push(chunk.choices[0].delta.content ?? '');
            if (chunk.usage) usage = chunk.usage;
          }
          return {content: done.choices[0].message.content, citations: done.citations.length,
                  finish: raw.data.choices[0].finish_reason,
                  rid: raw.response.headers.get('X-Request-ID'),
                  remaining: raw.response.headers.get('RateLimit-Remaining'),
                  refused, streamed: pieces.join(''), usage};""",
    )
    assert "thrown" not in result, result
    assert "[1]" in result["content"] and result["citations"] >= 1
    assert result["finish"] == "length" and result["rid"] and result["remaining"] is not None
    assert result["refused"]["status"] == 400 and result["refused"]["code"] == "model_not_found"
    assert result["refused"]["param"] == "model"
    assert result["streamed"] == result["content"] and result["usage"]["completion_tokens"] > 0
