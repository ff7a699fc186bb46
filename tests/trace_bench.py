"""The tutorial's bench for trace tests, built with transcript command lines.

``host`` (192.168.57.1 on vboxnet1), ``vm`` (192.168.57.3 on enp0s9, 10.0.2.15
on enp0s3, default via gw), ``gw`` (10.0.2.2 / 203.0.113.1, forwarding,
MASQUERADE for 10.0.2.0/24) and ``internet`` (203.0.113.35, default via gw,
a web server on port 80), as the seed transcript 00-lab.md builds them.
"""

from __future__ import annotations

from nflab.lab.world import World
from nflab.trace.analysis import build_report
from nflab.trace.report import Report
from nflab.transcript.runner import SimulatedLab

SETUP = """\
host# ip link set lo up
host# ip addr add 192.168.57.1/24 dev vboxnet1
host# ip link set vboxnet1 up
vm# ip link set lo up
vm# ip addr add 10.0.2.15/24 dev enp0s3
vm# ip link set enp0s3 up
vm# ip route add default via 10.0.2.2
vm# ip addr add 192.168.57.3/24 dev enp0s9
vm# ip link set enp0s9 up
gw# ip link set lo up
gw# ip addr add 10.0.2.2/24 dev eth0
gw# ip link set eth0 up
gw# ip addr add 203.0.113.1/24 dev eth1
gw# ip link set eth1 up
gw# sysctl -w net.ipv4.ip_forward=1
gw# iptables -t nat -A POSTROUTING -s 10.0.2.0/24 -j MASQUERADE
internet# ip link set lo up
internet# ip addr add 203.0.113.35/24 dev eth0
internet# ip link set eth0 up
internet# ip route add default via 203.0.113.1
internet# echo '<html>qq.com test page</html>' > index.html
internet# python3 -m http.server 80 2> /var/log/http.log &
"""


class Bench:
    def __init__(self) -> None:
        self.lab = SimulatedLab(World())
        for name in ("host", "vm", "gw", "internet"):
            self.lab.add_machine(name)
        self.lab.connect("host", "vboxnet1", "vm", "enp0s9")
        self.lab.connect("vm", "enp0s3", "gw", "eth0")
        self.lab.connect("gw", "eth1", "internet", "eth0")
        self.script(SETUP)

    def run(self, machine: str, text: str) -> tuple[str, int]:
        return self.lab.run(machine, text)

    def script(self, text: str) -> None:
        for line in text.strip().splitlines():
            machine, _, command = line.partition("# ")
            output, status = self.run(machine, command)
            assert status == 0, f"{line}: {output}"

    def trace(self, machine: str, text: str) -> tuple[Report, str, int]:
        """Run a command while tracing: the report, the command's output and status."""
        self.lab.start_trace()
        try:
            output, status = self.run(machine, text)
        finally:
            running = self.lab._trace
            assert running is not None
            self.lab._trace = None
            recorded = running[0].stop()
        return build_report(recorded), output, status

    def close(self) -> None:
        self.lab.world.shutdown()
