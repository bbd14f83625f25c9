import kzgraph


def test_public_api_is_sorted_and_importable():
    assert kzgraph.__all__ == sorted(kzgraph.__all__)
    for name in kzgraph.__all__:
        assert getattr(kzgraph, name) is not None
