"""Tracing a whole lab: every namespace of every machine, those made meanwhile too."""

from __future__ import annotations

from ..trace.model import Trace
from ..trace.record import Recorder
from .network import Network, NsHandle


class LabTrace:
    """A running trace of a lab's network (``lab# trace``)."""

    def __init__(self, network: Network):
        self.network = network
        self.recorder = Recorder(lambda: network.scheduler.now)
        for handle in list(network.by_id.values()):
            self._attach(handle)
        network.namespace_listeners.append(self._attach)

    def _attach(self, handle: NsHandle) -> None:
        self.recorder.attach(handle.label, handle.ip)

    def stop(self) -> Trace:
        if self._attach in self.network.namespace_listeners:
            self.network.namespace_listeners.remove(self._attach)
        return self.recorder.detach()
