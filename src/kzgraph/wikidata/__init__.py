"""Wikidata integration: alignment table, statements, RDF view, client, reconcile, diff, QuickStatements."""
