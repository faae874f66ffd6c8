"""Data-parallel training: the processes of one run started by `accelerate launch`, and what they share.

Every process (rank) loads the same model and plans the same batches; of every micro-batch of that plan each
rank computes a contiguous, disjoint slice (`shard`). The loss of a rank is its slice's loss sum divided by the
labelled positions of the whole micro-batch, so the sum over ranks of losses and of gradients is exactly the
single-process loss and gradient of that micro-batch: the gradients are summed with one all-reduce a step, and
the optimizer steps, identical on every rank, keep the weights identical. Rank 0 alone reads the cancel flag
(and tells the others), writes progress, checkpoints and the adapter. Outside a launched run there is one rank
and every function here is a no-op.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
from dataclasses import dataclass
from typing import TypeVar

import torch

T = TypeVar("T")
LAUNCHERS = ("local", "accelerate")


@dataclass(frozen=True)
class Ranks:
    """Which process of how many this is."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def current() -> Ranks:
    """The ranks of the initialised process group, or the single process."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return Ranks(dist.get_rank(), dist.get_world_size())
    return Ranks()


def launched() -> bool:
    """Whether a launcher started this process as one of several (torchrun's environment)."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def start(device: str) -> Ranks:
    """Join the process group of a launched run (gloo on CPU, NCCL on GPUs); one rank when not launched."""
    import torch.distributed as dist

    if not launched() or dist.is_initialized():
        return current()
    _die_with_parent()
    if device == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
    return current()


def stop() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _die_with_parent() -> None:
    """A rank gets SIGTERM when its launcher dies (killed): no orphan keeps training (Linux only)."""
    if sys.platform.startswith("linux"):
        with_errno = ctypes.CDLL(None, use_errno=True)
        with_errno.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def shard(batch: list[T], ranks: Ranks) -> list[T]:
    """This rank's contiguous slice of a micro-batch; the slices of all ranks, in rank order, are the batch
    (sizes differ by at most one; a rank gets nothing when the batch has fewer rows than ranks)."""
    size, extra = divmod(len(batch), ranks.world)
    begin = ranks.rank * size + min(ranks.rank, extra)
    return batch[begin : begin + size + (1 if ranks.rank < extra else 0)]


def sum_over_ranks(values: torch.Tensor) -> torch.Tensor:
    """The element-wise sum of a tensor over all ranks (the tensor itself with one rank)."""
    import torch.distributed as dist

    if current().world > 1:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return values


def sum_gradients(params: list[torch.nn.Parameter]) -> None:
    """Sum the gradients of every rank in place (one all-reduce of all of them flattened)."""
    if current().world == 1:
        return
    grads = [p.grad if p.grad is not None else torch.zeros_like(p) for p in params]
    flat = sum_over_ranks(torch.cat([g.reshape(-1) for g in grads]))
    offset = 0
    for p, g in zip(params, grads, strict=True):
        p.grad = flat[offset : offset + g.numel()].view_as(g).clone()
        offset += g.numel()


def main_says(flag: bool) -> bool:
    """Rank 0's answer, on every rank (a cancel request that only rank 0 reads)."""
    import torch.distributed as dist

    if current().world == 1:
        return flag
    value = torch.tensor([1 if flag else 0], device=_collective_device())
    dist.broadcast(value, src=0)
    return bool(value.item())


def share_weights(params: list[torch.nn.Parameter]) -> None:
    """Give every rank rank 0's values of these parameters (the same LoRA start everywhere)."""
    import torch.distributed as dist

    if current().world == 1:
        return
    with torch.no_grad():
        for p in params:
            dist.broadcast(p.data, src=0)


def _collective_device() -> str:
    import torch.distributed as dist

    return "cuda" if dist.get_backend() == "nccl" else "cpu"


def free_port() -> int:
    """A TCP port free now on this machine, for the rendezvous of a run's ranks."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def launch_command(module: str, args: list[str], processes: int) -> list[str]:
    """`accelerate launch` of a python module as `processes` ranks on this machine.

    `--multi_gpu` is accelerate's torchrun launcher, also on a CPU (its `--cpu` starts one process unless
    MPI is set up); the ranks pick gloo or NCCL themselves (`start`)."""
    return [
        sys.executable,
        "-m",
        "accelerate.commands.launch",
        "--multi_gpu",
        "--num_processes",
        str(processes),
        "--num_machines",
        "1",
        "--mixed_precision",
        "no",
        "--dynamo_backend",
        "no",
        "--main_process_port",
        str(free_port()),
        "-m",
        module,
        *args,
    ]


def accelerate_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("accelerate") is not None
