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
