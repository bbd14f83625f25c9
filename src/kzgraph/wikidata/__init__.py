"""Wikidata integration: the alignment table, the Wikidata-vocabulary view, reconcile and verify,
diff and QuickStatements.

Modules, one concern each: ``register`` (reading the register of checked ids),
``alignment`` (the kzo ↔ P/Q-id table and the links), ``facts``
(kzgraph's facts as Wikidata statements), ``view`` (those statements in Wikidata's RDF model),
``entities`` (reading Wikidata's entity JSON), ``client`` (HTTP to Wikidata), ``snapshot`` (a
local Wikidata RDF export with the client's interface), ``names`` (spelling variants of names),
``reconcile`` (reconcile, accept, verify), ``diff`` and ``quickstatements``.
"""

from kzgraph.wikidata.alignment import Alignment, load_alignment
from kzgraph.wikidata.client import USER_AGENT, EntitySource, WikidataClient, WikidataSettings
from kzgraph.wikidata.diff import Difference, diff, diff_json, diff_table, load_entity_files
from kzgraph.wikidata.facts import Reference, Statement, Value, collect_statements
from kzgraph.wikidata.quickstatements import quickstatements
from kzgraph.wikidata.reconcile import (
    Candidate,
    Finding,
    Proposal,
    accept,
    add_accepted,
    proposals_json,
    reconcile,
    resolve_entity,
    verify,
    verify_register,
)
from kzgraph.wikidata.snapshot import Snapshot, load_snapshot
from kzgraph.wikidata.view import VIEW_GRAPH, build_view, view_dataset

__all__ = [
    "Alignment",
    "Candidate",
    "Difference",
    "EntitySource",
    "Finding",
    "Proposal",
    "Reference",
    "Snapshot",
    "Statement",
    "USER_AGENT",
    "VIEW_GRAPH",
    "Value",
    "WikidataClient",
    "WikidataSettings",
    "accept",
    "add_accepted",
    "build_view",
    "collect_statements",
    "diff",
    "diff_json",
    "diff_table",
    "load_alignment",
    "load_entity_files",
    "load_snapshot",
    "proposals_json",
    "quickstatements",
    "reconcile",
    "resolve_entity",
    "verify",
    "verify_register",
    "view_dataset",
]
