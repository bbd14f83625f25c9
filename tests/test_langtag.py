"""Language tags shown in BCP 47's conventional case."""

from __future__ import annotations

import pytest

from kzgraph.langtag import bcp47_case


@pytest.mark.parametrize("stored,shown", [
    ("kk-latn", "kk-Latn"), ("KK-LATN", "kk-Latn"), ("kk", "kk"), ("en-us", "en-US"),
    ("zh-hant-tw", "zh-Hant-TW"), ("sr-latn-rs", "sr-Latn-RS"), ("es-419", "es-419"),
    ("en-a-bbb-x-cc", "en-a-bbb-x-cc"),  # after a singleton nothing is a script or a region
    ("x-whatever", "x-whatever"), ("de-ch-1996", "de-CH-1996"),
])
def test_tags_are_shown_in_conventional_case(stored, shown):
    assert bcp47_case(stored) == shown
