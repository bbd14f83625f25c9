"""The namespaces of kzgraph: ontology terms, resources, named graphs and sources.

``KZO`` lists every term of ``ontology/kzgraph.ttl`` with ``_fail = True``, so a misspelt term is
an error rather than a silent new IRI; a test keeps the list in step with the ontology.
"""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

__all__ = ["KZ", "KZG", "KZO", "ONTOLOGY_GRAPH", "PREFIXES", "SRC", "WD", "WDT"]

KZ = Namespace("https://w3id.org/kzgraph/resource/")
KZG = Namespace("https://w3id.org/kzgraph/graph/")
SRC = Namespace("https://w3id.org/kzgraph/source/")
WD = Namespace("http://www.wikidata.org/entity/")
WDT = Namespace("http://www.wikidata.org/prop/direct/")
ONTOLOGY_GRAPH = URIRef("https://w3id.org/kzgraph/ontology")


class KZO(DefinedNamespace):
    """The kzgraph ontology (``ontology/kzgraph.ttl``)."""

    _NS = Namespace("https://w3id.org/kzgraph/ontology#")
    _fail = True

    # classes
    Article: URIRef
    Change: URIRef
    Claim: URIRef
    CommunicationsSatellite: URIRef
    Contract: URIRef
    Cosmonaut: URIRef
    CosmonautCandidate: URIRef
    CosmonautCorps: URIRef
    CosmonautSelection: URIRef
    Country: URIRef
    CrewSelection: URIRef
    CrewedSpaceflight: URIRef
    Decree: URIRef
    Event: URIRef
    LaunchVehicle: URIRef
    Organization: URIRef
    Person: URIRef
    Place: URIRef
    Plan: URIRef
    PlannedSpaceflight: URIRef
    QuantitativeValue: URIRef
    Reference: URIRef
    Satellite: URIRef
    Source: URIRef
    SpaceAgency: URIRef
    SpaceProgram: URIRef
    SpaceStation: URIRef
    Spacecraft: URIRef
    SpacecraftFamily: URIRef
    Spaceflight: URIRef
    Spaceport: URIRef
    Statement: URIRef
    Status: URIRef
    Training: URIRef
    # controlled values
    IndefinitelyPostponed: URIRef
    Lost: URIRef
    StatusScheme: URIRef
    Unverified: URIRef
    Verified: URIRef
    # properties
    about: URIRef
    accessDate: URIRef
    approximate: URIRef
    archiveDate: URIRef
    changedGraph: URIRef
    articleSection: URIRef
    ascentSpacecraft: URIRef
    astronautMission: URIRef
    backupFor: URIRef
    candidateCount: URIRef
    candidateCrew: URIRef
    citizenship: URIRef
    contractSubject: URIRef
    cooperationBetween: URIRef
    country: URIRef
    crewMember: URIRef
    date: URIRef
    declinedFlightOn: URIRef
    decreedFormationOf: URIRef
    departedFrom: URIRef
    descentSpacecraft: URIRef
    dockedWith: URIRef
    duration: URIRef
    endDate: URIRef
    endOfCommunications: URIRef
    followedBy: URIRef
    forMission: URIRef
    formationDate: URIRef
    head: URIRef
    headquarters: URIRef
    intendedCitizenship: URIRef
    issuedBy: URIRef
    jurisdiction: URIRef
    landingDate: URIRef
    landingPlace: URIRef
    launchDate: URIRef
    launchSite: URIRef
    launchVehicle: URIRef
    location: URIRef
    longDurationStayStation: URIRef
    longDurationStays: URIRef
    manufacturer: URIRef
    modellingNote: URIRef
    nationality: URIRef
    nativeName: URIRef
    numberOfSpaceflights: URIRef
    officialEstablishmentDate: URIRef
    organization: URIRef
    parentOrganization: URIRef
    participant: URIRef
    party: URIRef
    postponedBy: URIRef
    postponementDate: URIRef
    precededBy: URIRef
    primarySpaceport: URIRef
    projectedYear: URIRef
    purpose: URIRef
    quote: URIRef
    readyForSpaceflightAsOf: URIRef
    referenceNumber: URIRef
    replacementFor: URIRef
    revisionId: URIRef
    romanizedName: URIRef
    selectedCount: URIRef
    selectedPerson: URIRef
    seriesOrdinal: URIRef
    shortName: URIRef
    significance: URIRef
    spacecraftFamily: URIRef
    startDate: URIRef
    statedBy: URIRef
    statedIn: URIRef
    status: URIRef
    timeInSpace: URIRef
    triplesAdded: URIRef
    triplesRemoved: URIRef
    usedForLaunchesBy: URIRef
    verificationMethod: URIRef
    wikidataProperty: URIRef
    wikidataStatus: URIRef
    wikidataEvidence: URIRef
    wikidataTypeProperty: URIRef


PREFIXES = {
    "kzo": str(KZO._NS),
    "kz": str(KZ),
    "kzg": str(KZG),
    "src": str(SRC),
    "wd": str(WD),
    "wdt": str(WDT),
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "dct": "http://purl.org/dc/terms/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
