"""Running a notebook top to bottom in a fresh kernel, over IPC, and storing its outputs."""

from __future__ import annotations

import copy
import tempfile
import time
from pathlib import Path

import ipykernel.kernelspec
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbformat import NotebookNode
from traitlets import default

from .config import Course
from .notebooks import read_notebook

CELL_TIMEOUT_SECONDS = 600


class NotebookError(RuntimeError):
    """A notebook failed to execute, or carries an error output."""


class _OneKernelSpec(KernelSpecManager):
    """Resolves every kernel name (whatever a notebook's metadata says) to one kernel spec."""

    def __init__(self, spec: KernelSpec, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._spec = spec

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return self._spec


def this_interpreter_kernel() -> KernelSpec:
    """An IPython kernel running this very interpreter (the course's .venv)."""
    return KernelSpec(resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict())


def _ipc_kernel_manager(spec: KernelSpec, sockets: str) -> type[AsyncKernelManager]:
    """A kernel manager class for ``spec``'s kernel over IPC, with its sockets in ``sockets``.

    A class, not an instance: nbclient shuts down the kernels of the managers it creates.
    """

    class IpcKernelManager(AsyncKernelManager):
        @default("kernel_spec_manager")
        def _default_kernel_spec_manager(self) -> KernelSpecManager:
            return _OneKernelSpec(spec)

        @default("transport")
        def _default_transport(self) -> str:
            return "ipc"

        @default("ip")
        def _default_ip(self) -> str:
            return f"{sockets}/socket"

    return IpcKernelManager


def run_notebook(nb: NotebookNode, cwd: Path, kernel: KernelSpec | None = None) -> None:
    """Run ``nb`` top to bottom in place, in a fresh kernel (working directory ``cwd``).

    The kernel is ``kernel`` (default: this interpreter's), reached over IPC (local sockets),
    so it does not warn about unencrypted TCP. Outputs arrive in ``nb`` as the cells print them;
    nbclient's errors (a failing cell, a dying kernel) propagate.
    """
    with tempfile.TemporaryDirectory(prefix="course-kernel-") as sockets:
        NotebookClient(
            nb,
            kernel_manager_class=_ipc_kernel_manager(kernel or this_interpreter_kernel(), sockets),
            timeout=CELL_TIMEOUT_SECONDS,
            record_timing=False,  # no timestamps: re-executing an unchanged notebook changes nothing
            store_widget_state=False,
            resources={"metadata": {"path": str(cwd)}},
        ).execute()


def execute_notebook(nb: NotebookNode, cwd: Path, name: str, kernel: KernelSpec | None = None) -> NotebookNode:
    """A copy of ``nb`` run by ``run_notebook``; a failing cell raises ``NotebookError`` naming ``name``."""
    executed = copy.deepcopy(nb)
    try:
        run_notebook(executed, cwd, kernel)
    except CellExecutionError as error:
        raise NotebookError(f"{name} failed:\n{error}") from None
    return executed


def error_cells(nb: NotebookNode) -> list[int]:
    """Indices of the cells with an error output."""
    return [
        index
        for index, cell in enumerate(nb.cells)
        if any(output.output_type == "error" for output in cell.get("outputs", []))
    ]


def timed_execution(course: Course, path: Path) -> NotebookNode:
    """The solution notebook at ``path``, executed; prints how long it took."""
    start = time.perf_counter()
    executed = execute_notebook(read_notebook(path), path.parent, course.relative(path))
    print(f"executed {course.relative(path)} in {time.perf_counter() - start:.1f} s")
    return executed
