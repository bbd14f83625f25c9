"""A deterministic generator of synthetic space-agency graphs (TriG, one named graph per claim).

The graphs look like kzgraph's own data scaled up: agencies with heads, cosmonauts with flights,
satellites with launches and builders, each fact in a claim graph derived from a numbered
reference. Same seed and size, same bytes.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

KZ = "https://w3id.org/kzgraph/resource/"
KZO = "https://w3id.org/kzgraph/ontology#"
KZG = "https://w3id.org/kzgraph/graph/"
SRC = "https://w3id.org/kzgraph/source/"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
DERIVED = "<http://www.w3.org/ns/prov#wasDerivedFrom>"
XSD_DATE = "<http://www.w3.org/2001/XMLSchema#date>"
NAMES = ("Aidyn", "Talgat", "Toktar", "Mukhtar", "Sarah", "Satoshi", "Yuri", "Valentina", "Sergei")


def iri(namespace: str, local: str) -> str:
    return f"<{namespace}{local}>"


def date(rng: random.Random) -> str:
    return f'"{rng.randint(1961, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^{XSD_DATE}'


def agency_quads(rng: random.Random, n: int) -> list[str]:
    """About 100 quads: one agency, its head, 10 cosmonauts with flights, 5 satellites."""
    graph = iri(KZG, f"claim-{n}")
    agency = iri(KZ, f"Agency_{n}")
    out = [f"{agency} {RDF_TYPE} {iri(KZO, 'SpaceAgency')} {graph} .",
           f'{agency} {RDFS_LABEL} "Space agency {n}"@en {graph} .',
           f"{agency} {iri(KZO, 'formationDate')} {date(rng)} {graph} .",
           f"{graph} {DERIVED} {iri(SRC, f'ref-{n % 1000}')} {iri(KZG, 'provenance')} ."]
    for c in range(10):
        person = iri(KZ, f"Cosmonaut_{n}_{c}")
        flight = iri(KZ, f"Flight_{n}_{c}")
        out += [f"{person} {RDF_TYPE} {iri(KZO, 'Cosmonaut')} {graph} .",
                f'{person} {RDFS_LABEL} "{rng.choice(NAMES)} Cosmonaut {n}-{c}"@en {graph} .',
                f"{person} {iri(KZO, 'nationality')} {iri(KZ, f'Country_{n % 50}')} {graph} .",
                f"{flight} {RDF_TYPE} {iri(KZO, 'CrewedSpaceflight')} {graph} .",
                f"{flight} {iri(KZO, 'crewMember')} {person} {graph} .",
                f"{flight} {iri(KZO, 'launchDate')} {date(rng)} {graph} .",
                f"{flight} {iri(KZO, 'launchSite')} {iri(KZ, f'Spaceport_{n % 20}')} {graph} ."]
        if c == 0:
            out.append(f"{agency} {iri(KZO, 'head')} {person} {graph} .")
    for s in range(5):
        sat = iri(KZ, f"Satellite_{n}_{s}")
        out += [f"{sat} {RDF_TYPE} {iri(KZO, 'CommunicationsSatellite')} {graph} .",
                f'{sat} {RDFS_LABEL} "Sat-{n}-{s}"@en {graph} .',
                f"{sat} {iri(KZO, 'launchDate')} {date(rng)} {graph} .",
                f"{sat} {iri(KZO, 'manufacturer')} {iri(KZ, f'Builder_{rng.randint(0, 30)}')} {graph} .",
                f"{sat} {iri(KZO, 'launchSite')} {iri(KZ, f'Spaceport_{n % 20}')} {graph} ."]
        if s:
            out.append(f"{iri(KZ, f'Satellite_{n}_{s - 1}')} {iri(KZO, 'followedBy')} {sat} {graph} .")
    return out


def generate(triples: int, seed: int = 42) -> str:
    """N-Quads text of about ``triples`` quads."""
    rng = random.Random(seed)
    lines: list[str] = []
    n = 0
    while len(lines) < triples:
        lines += agency_quads(rng, n)
        n += 1
    return "\n".join(lines[:triples]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("triples", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    args.output.write_text(generate(args.triples, args.seed), encoding="utf-8")


if __name__ == "__main__":
    main()
