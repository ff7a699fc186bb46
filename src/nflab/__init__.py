"""nflab: Linux netfilter/iptables, simulated in Python."""

__version__ = "0.1.0"
