import kzgraph


def test_public_api_is_sorted_and_importable():
    assert kzgraph.__all__ == sorted(kzgraph.__all__)
    for name in kzgraph.__all__:
        assert getattr(kzgraph, name) is not None


def test_a_query_worker_imports_neither_rdflib_nor_the_web_stack():
    """Each worker is a spawned process: it imports the command's script (kzgraph.__main__)
    again, then the worker module. rdflib, FastAPI and pySHACL there cost ~35 MB per worker."""
    import subprocess
    import sys

    probe = ("import sys, kzgraph.__main__, kzgraph.query.worker, kzgraph.matching; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'rdflib', 'fastapi', 'starlette', 'pyshacl', 'oxrdflib', 'httpx'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_export_function_is_not_shadowed_by_its_module():
    import importlib
    import subprocess
    import sys

    importlib.import_module("kzgraph.export")
    assert callable(kzgraph.export)
    probe = ("import kzgraph.query.worker, kzgraph.store, kzgraph.export, kzgraph; "
             "from kzgraph import export; print(callable(export) and callable(kzgraph.export))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "True", result.stderr


def test_the_web_server_imports_pyshacl_only_to_validate():
    """It validates releases in a separate process; curators' writes import pySHACL when made."""
    import subprocess
    import sys

    probe = "import sys, kzgraph.web.app, kzgraph.cli; print('pyshacl' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
