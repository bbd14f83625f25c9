"""The kzgraph web service: SPARQL endpoint and query UI (built by ``create_app``)."""

from kzgraph.web.app import create_app

__all__ = ["create_app"]
