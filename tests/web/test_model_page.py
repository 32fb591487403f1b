"""The Model page and the simulator API."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st


def test_nav_lists_model_now_that_the_pillar_exists(client: TestClient) -> None:
    assert 'href="/model"' in client.get("/").text


def test_defaults_render_figures_charts_and_operator_tables(client: TestClient) -> None:
    r = client.get("/model")
    assert r.status_code == 200
    assert "Time to first token" in r.text and "Operators: prefill" in r.text
    assert "Operators: decode" in r.text and "/static/plotly-basic.min.js" in r.text
    data = json.loads(re.search(r'id="chart-data">(.*?)</script>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert set(data) == {"roofline", "memory", "curve"}
    assert all(row["fits"] for row in data["curve"]["rows"] if row["batch"] == 1)


def test_the_url_reproduces_the_view(client: TestClient) -> None:
    r = client.get("/model?model=resnet50&hardware=t4&batch=64&precision=int8")
    assert r.status_code == 200 and "ResNet-50 on 1 × T4" in r.text
    assert re.search(r"<option selected>ResNet-50</option>", r.text)
    assert re.search(r"<option selected>int8</option>", r.text)
    assert 'value="64"' in r.text


def test_htmx_gets_only_the_results(client: TestClient) -> None:
    r = client.get("/model?batch=4", headers={"HX-Request": "true", "HX-Target": "results"})
    assert r.status_code == 200 and "<html" not in r.text and "chart-data" in r.text


def test_charts_relax_only_their_own_page(client: TestClient) -> None:
    assert "'unsafe-inline'" in client.get("/model").headers["content-security-policy"]
    assert "'unsafe-inline'" not in client.get("/").headers["content-security-policy"]


def test_bad_choices_are_explained(client: TestClient) -> None:
    for query, message in (
        ("model=nope", "Unknown model"),
        ("batch=abc", "batch must be a whole number"),
        ("batch=0", "between 1 and"),
        ("precision=fp7", "precision must be one of"),
        ("model=llama3-8b&seq_len=9000", "handles 8192 tokens"),
    ):
        r = client.get(f"/model?{query}")
        assert r.status_code == 400 and message in r.text, query


def test_sim_api(client: TestClient) -> None:
    r = client.get("/api/v1/sim/eval?model=llama3-8b&hardware=h100&batch=8&output_len=64")
    assert r.status_code == 200 and r.json()["ttft_ms"] > 0 and r.json()["fits"] is True
    r = client.get("/api/v1/sim/eval?model=llama3-8x")
    assert r.status_code == 422 and "Did you mean" in r.json()["detail"]
    assert "/api/v1/sim/eval" in client.get("/api/v1/openapi.json").json()["paths"]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(
            ["model", "hardware", "precision", "batch", "seq_len", "output_len", "devices", "junk"]
        ),
        st.text(max_size=12),
        max_size=5,
    )
)
def test_random_queries_never_500(client: TestClient, params: dict[str, str]) -> None:
    assert client.get("/model", params=params).status_code < 500
    assert client.get("/api/v1/sim/eval", params=params).status_code < 500
