"""docs/ARCHITECTURE.md's import rules, checked on the source: the kernel imports only NumPy, nothing in the
library imports the CLI except the entry point, and no library module imports the coordinator it serves."""
import ast
import os
import sys

import pytest

LIB = os.path.join(os.path.dirname(__file__), "..", "hogwild_w2v")


def imports(module):
    """Top-level names a module imports: 'numpy', '.config' (ours, relative), 'hogwild_w2v.cli', ..."""
    tree = ast.parse(open(os.path.join(LIB, module + ".py")).read())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            names.add(base)
            if node.level and not node.module:
                names.update("." + a.name for a in node.names)
    return names


MODULES = sorted(f[:-3] for f in os.listdir(LIB) if f.endswith(".py"))
STDLIB = set(sys.stdlib_module_names)


def ours(names):
    return {n.lstrip(".").split(".")[0] for n in names if n.startswith(".") or n.startswith("hogwild_w2v")}


KERNELS = {"sgns", "hs", "cbow", "huffman"}


@pytest.mark.parametrize("module", sorted(KERNELS))
def test_kernels_import_only_numpy_and_each_other(module):
    third_party = {n.split(".")[0] for n in imports(module)} - STDLIB - {"", "__future__"}
    assert third_party == {"numpy"} and ours(imports(module)) <= KERNELS - {module}


def test_the_model_switch_knows_only_kernels_batching_and_config():
    assert ours(imports("models")) <= KERNELS | {"batching", "config"}


@pytest.mark.parametrize("module", MODULES)
def test_only_the_entry_point_imports_the_cli(module):
    if module == "__main__":
        return
    assert "cli" not in ours(imports(module)) and not any("cli" in n.split(".") for n in imports(module))


@pytest.mark.parametrize("module", [m for m in MODULES if m not in ("trainer", "__main__", "__init__")])
def test_nothing_imports_the_coordinator(module):
    assert "trainer" not in ours(imports(module))


def test_batching_imports_only_the_kernel_of_ours():
    assert ours(imports("batching")) == {"sgns"}


def test_mpi_is_imported_only_inside_distributed_functions():
    """The one-machine install has no MPI: no module imports mpi4py at its top level, and only `distributed`
    imports it at all."""
    for module in MODULES:
        tree = ast.parse(open(os.path.join(LIB, module + ".py")).read())
        top = {a.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for a in node.names}
        top |= {(node.module or "").split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
        assert "mpi4py" not in top, module
        if module != "distributed":
            assert not any(n.split(".")[0] == "mpi4py" for n in imports(module)), module
