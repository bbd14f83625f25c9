import pytest

from kzgraph import Settings, UsageError


def test_environment_then_overrides():
    settings = Settings.from_env({"KZGRAPH_QUERY_TIMEOUT": "3", "KZGRAPH_PORT": "9000",
                                  "KZGRAPH_SERVICE_ALLOWLIST": "https://a/sparql, https://b/sparql"},
                                 port=9100)
    assert settings.query_timeout == 3.0 and settings.port == 9100
    assert settings.service_allowlist == ("https://a/sparql", "https://b/sparql")
    assert settings.base_url == "http://127.0.0.1:9100"


def test_defaults():
    settings = Settings.from_env({})
    assert settings.service_allowlist == ("https://query.wikidata.org/sparql",)
    assert settings.cors_origins == ("*",) and settings.query_timeout == 10.0


@pytest.mark.parametrize("environ", [{"KZGRAPH_PORT": "eighty"}, {"KZGRAPH_QUERY_TIMEOUT": "-1"},
                                     {"KZGRAPH_PORT": "70000"}])
def test_bad_setting_is_a_usage_error(environ):
    with pytest.raises(UsageError):
        Settings.from_env(environ)


def test_every_setting_is_documented():
    """The settings table (docs/security.md) names each setting's flag and environment variable."""
    import dataclasses

    from kzgraph import paths

    rows = [line for line in (paths.home() / "docs" / "security.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| `--")]
    for field in dataclasses.fields(Settings):
        flag, env = "--" + field.name.replace("_", "-"), "KZGRAPH_" + field.name.upper()
        assert any(f"`{flag}" in row and f"`{env}`" in row for row in rows), field.name


@pytest.mark.parametrize("environ", [{"KZGRAPH_RATE_LIMIT_REQUESTS": "-1"},
                                     {"KZGRAPH_ACCESS_LOG": "xml"}, {"KZGRAPH_READINESS": "soon"}])
def test_limits_may_be_off_but_not_negative_and_choices_are_checked(environ):
    with pytest.raises(UsageError):
        Settings.from_env(environ)
    assert Settings.from_env({"KZGRAPH_RATE_LIMIT_REQUESTS": "0"}).rate_limit_requests == 0
