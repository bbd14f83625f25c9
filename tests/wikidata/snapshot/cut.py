"""Cut the test subset ``astronauts-subset.nt`` out of the real export (see README.md).

Usage: python tests/wikidata/snapshot/cut.py SOURCE.nt tests/wikidata/snapshot/astronauts-subset.nt

Keeps every line of the export whose subject is a seed below or an item a seed's line names (one
hop, so the labels of the values are there), in the export's order. Nothing is edited.
"""

import re
import sys

SEEDS = {
    # the four Kazakh cosmonauts of the article
    "Q560360": "Talgat Musabayev", "Q468258": "Toktar Aubakirov", "Q4831087": "Aydyn Aimbetov",
    "Q16153519": "Mukhtar Aymakhanov",
    # registered ids (data/wikidata-ids.tsv) the export holds, for verify
    "Q232": "Kazakhstan", "Q159": "Russia", "Q15180": "Soviet Union",
    "Q190795": "Roscosmos State Corporation", "Q730282": "Yuri Gagarin Cosmonaut Training Center",
    "Q5": "human", "Q11631": "astronaut", "Q12634815": "cosmonaut",
    "Q20623701": "private space traveler", "Q752783": "human spaceflight", "Q5916": "spaceflight",
    "Q25956": "space station", "Q17505024": "space agency", "Q327333": "government agency",
    # decoys: a namesake of another country and kind, and rows for the renamed decoys of the tests
    "Q1901376": "Star City, a town in the United States (not Star City in Russia)",
    "Q422404": "Government of Canada (another country's government)",
    "Q440303": "Timothy Kopra, an astronaut of another country (P27 Q30)",
    "Q466513": "Vladimir Dzhanibekov, a Soviet cosmonaut (same kind and era, another name)",
}
SUBJECT = re.compile(r"^<http://www\.wikidata\.org/entity/(Q\d+)> ")
OBJECT = re.compile(r"<http://www\.wikidata\.org/entity/(Q\d+)> \.$")


def main(source: str, target: str) -> None:
    lines = open(source, encoding="utf-8").read().splitlines()
    wanted = set(SEEDS)
    for line in lines:
        subject, value = SUBJECT.match(line), OBJECT.search(line)
        if subject and subject.group(1) in SEEDS and value:
            wanted.add(value.group(1))
    kept = [line for line in lines if (m := SUBJECT.match(line)) and m.group(1) in wanted]
    with open(target, "w", encoding="utf-8") as out:
        out.write("".join(line + "\n" for line in kept))
    print(f"{len(kept)} of {len(lines)} lines, {len(wanted)} subjects", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
