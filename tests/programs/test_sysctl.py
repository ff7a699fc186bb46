"""`sysctl` (procps-ng 4.0.2) and ``/proc/sys/net`` in a network namespace.

Every expected session was captured from the real programs in a scratch network
namespace.
"""

from __future__ import annotations

from pathlib import Path

from machines import Lab, check

HERE = Path(__file__).parent


def test_reading_and_writing() -> None:
    """Values, options, the errors of reads and writes."""
    check(r"""
$ sysctl net.ipv4.ip_forward
net.ipv4.ip_forward = 0
$ sysctl -w net.ipv4.ip_forward=abc
sysctl: setting key "net.ipv4.ip_forward": Invalid argument
[1]
$ sysctl -w net.ipv4.ip_forward=2
net.ipv4.ip_forward = 2
$ sysctl net.ipv4.ip_forward
net.ipv4.ip_forward = 2
$ sysctl -w net.ipv4.ip_forward=-1
net.ipv4.ip_forward = -1
$ sysctl -w net.ipv4.ip_forward=" 1"
net.ipv4.ip_forward = 1
$ sysctl -w net.ipv4.ip_forward="1 2"
net.ipv4.ip_forward = 1 2
$ sysctl -w net.ipv4.ip_forward=1x
sysctl: setting key "net.ipv4.ip_forward": Invalid argument
[1]
$ sysctl -w net.ipv4.ip_forward=99999999999
sysctl: setting key "net.ipv4.ip_forward": Invalid argument
[1]
$ sysctl -w net.ipv4.ip_forward=0x1
net.ipv4.ip_forward = 0x1
$ sysctl -w net.ipv4.ip_forward=
sysctl: setting key "net.ipv4.ip_forward": Invalid argument
[1]
$ sysctl -w net.ipv4.ip_forward
sysctl: command line(0): invalid syntax, continuing...
[1]
$ sysctl -w net.ipv4.conf.all.rp_filter=3
net.ipv4.conf.all.rp_filter = 3
$ sysctl -w net.core.rmem_max=1
sysctl: setting key "net.core.rmem_max": Invalid argument
$ sysctl -w net.ipv4.foo=1
sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory
[1]
$ sysctl net.ipv4.foo
sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory
[1]
$ sysctl -n net.ipv4.ip_forward
1
$ sysctl -q -w net.ipv4.ip_forward=1
$ sysctl -N net.ipv4.ip_forward
net.ipv4.ip_forward
$ sysctl -e net.ipv4.foo
$ sysctl net/ipv4/ip_forward
net.ipv4.ip_forward = 1
$ sysctl net.ipv4.route.flush
$ sysctl -w net.ipv4.route.flush=1
net.ipv4.route.flush = 1
$ sysctl net.ipv6.conf.all.stable_secret
[1]
$ sysctl net.ipv4.conf.lo
net.ipv4.conf.lo.accept_local = 0
net.ipv4.conf.lo.accept_redirects = 1
net.ipv4.conf.lo.accept_source_route = 1
net.ipv4.conf.lo.arp_accept = 0
net.ipv4.conf.lo.arp_announce = 0
net.ipv4.conf.lo.arp_evict_nocarrier = 1
net.ipv4.conf.lo.arp_filter = 0
net.ipv4.conf.lo.arp_ignore = 0
net.ipv4.conf.lo.arp_notify = 0
net.ipv4.conf.lo.bc_forwarding = 0
net.ipv4.conf.lo.bootp_relay = 0
net.ipv4.conf.lo.disable_policy = 1
net.ipv4.conf.lo.disable_xfrm = 1
net.ipv4.conf.lo.drop_gratuitous_arp = 0
net.ipv4.conf.lo.drop_unicast_in_l2_multicast = 0
net.ipv4.conf.lo.force_igmp_version = 0
net.ipv4.conf.lo.forwarding = 1
net.ipv4.conf.lo.igmpv2_unsolicited_report_interval = 10000
net.ipv4.conf.lo.igmpv3_unsolicited_report_interval = 1000
net.ipv4.conf.lo.ignore_routes_with_linkdown = 0
net.ipv4.conf.lo.log_martians = 0
net.ipv4.conf.lo.mc_forwarding = 0
net.ipv4.conf.lo.medium_id = 0
net.ipv4.conf.lo.promote_secondaries = 0
net.ipv4.conf.lo.proxy_arp = 0
net.ipv4.conf.lo.proxy_arp_pvlan = 0
net.ipv4.conf.lo.route_localnet = 0
net.ipv4.conf.lo.rp_filter = 0
net.ipv4.conf.lo.secure_redirects = 1
net.ipv4.conf.lo.send_redirects = 1
net.ipv4.conf.lo.shared_media = 1
net.ipv4.conf.lo.src_valid_mark = 0
net.ipv4.conf.lo.tag = 0
$ sysctl -a -r 'conf\.lo\.rp'
net.ipv4.conf.lo.rp_filter = 0
net.ipv6.conf.lo.rpl_seg_enabled = 0
$ sysctl -a --pattern forward
net.ipv4.conf.all.bc_forwarding = 0
net.ipv4.conf.all.forwarding = 1
net.ipv4.conf.all.mc_forwarding = 0
net.ipv4.conf.default.bc_forwarding = 0
net.ipv4.conf.default.forwarding = 1
net.ipv4.conf.default.mc_forwarding = 0
net.ipv4.conf.lo.bc_forwarding = 0
net.ipv4.conf.lo.forwarding = 1
net.ipv4.conf.lo.mc_forwarding = 0
net.ipv4.ip_forward = 1
net.ipv4.ip_forward_update_priority = 1
net.ipv4.ip_forward_use_pmtu = 0
net.ipv6.conf.all.force_forwarding = 0
net.ipv6.conf.all.forwarding = 0
net.ipv6.conf.all.mc_forwarding = 0
net.ipv6.conf.default.force_forwarding = 0
net.ipv6.conf.default.forwarding = 0
net.ipv6.conf.default.mc_forwarding = 0
net.ipv6.conf.lo.force_forwarding = 0
net.ipv6.conf.lo.forwarding = 0
net.ipv6.conf.lo.mc_forwarding = 0
$ sysctl

Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
[1]
$ sysctl -Z
sysctl: invalid option -- 'Z'

Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
$ sysctl -w
sysctl: no variables specified
Try `sysctl --help' for more information.
[1]
""")


def test_more_keys_and_usage() -> None:
    """Directories, patterns, usage, linked forwarding switches."""
    check(r"""
$ sysctl net.ipv4.ip_forward net.ipv4.foo net.ipv4.ip_forward
net.ipv4.ip_forward = 0
sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory
net.ipv4.ip_forward = 0
[1]
$ sysctl net.ipv4.ip_forward=1 net.ipv4.conf.all.forwarding
net.ipv4.ip_forward = 1
net.ipv4.conf.all.forwarding = 1
$ sysctl net..ipv4.ip_forward
sysctl: separators should not be repeated: ..ipv4.ip_forward
net..ipv4.ip_forward = 1
$ sysctl -w net.ipv4.tcp_rmem="4096 131072 6291456"
net.ipv4.tcp_rmem = 4096 131072 6291456
$ sysctl net.ipv4.tcp_rmem
net.ipv4.tcp_rmem = 4096	131072	6291456
$ sysctl -w net.ipv4.ip_local_port_range="1000 2000"
sysctl: setting key "net.ipv4.ip_local_port_range": Invalid argument
[1]
$ sysctl -w net.ipv4.ip_local_port_range="3000 2000"
sysctl: setting key "net.ipv4.ip_local_port_range": Invalid argument
[1]
$ sysctl -w net.ipv4.tcp_congestion_control=foo
sysctl: setting key "net.ipv4.tcp_congestion_control": No such file or directory
[1]
$ sysctl -w net.ipv4.tcp_congestion_control=reno
net.ipv4.tcp_congestion_control = reno
$ sysctl -p /nonexist
sysctl: cannot open "/nonexist": No such file or directory
[1]
$ sysctl -w net.ipv4.conf.lo.forwarding=1
net.ipv4.conf.lo.forwarding = 1
$ sysctl -w net.ipv4.conf.all.forwarding=0
net.ipv4.conf.all.forwarding = 0
$ sysctl net.ipv4.ip_forward net.ipv4.conf.lo.forwarding net.ipv4.conf.all.accept_redirects
net.ipv4.ip_forward = 0
net.ipv4.conf.lo.forwarding = 0
net.ipv4.conf.all.accept_redirects = 1
$ sysctl -w net.ipv4.conf.default.rp_filter=2
net.ipv4.conf.default.rp_filter = 2
$ sysctl net.ipv4.conf.lo.rp_filter
net.ipv4.conf.lo.rp_filter = 2
$ sysctl -V
sysctl from procps-ng 4.0.2
$ sysctl -n -b net.ipv4.ip_forward; echo
0
$ sysctl -N -q net.ipv4.ip_forward
sysctl: options -N and -q cannot coexist
Try `sysctl --help' for more information.
[1]
$ sysctl ""
sysctl: "" is an unknown key
[255]
$ sysctl net.ipv4.neigh.lo.retrans_time net.ipv6.neigh.lo.retrans_time
net.ipv4.neigh.lo.retrans_time = 100
net.ipv6.neigh.lo.retrans_time = 250
$ sysctl -r
sysctl: option requires an argument -- 'r'

Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
$ sysctl --foo
sysctl: unrecognized option '--foo'

Usage:
 sysctl [options] [variable[=value] ...]

Options:
  -a, --all            display all variables
  -A                   alias of -a
  -X                   alias of -a
      --deprecated     include deprecated parameters to listing
      --dry-run        Print the key and values but do not write
  -b, --binary         print value without new line
  -e, --ignore         ignore unknown variables errors
  -N, --names          print variable names without values
  -n, --values         print only values of the given variable(s)
  -p, --load[=<file>]  read values from file
  -f                   alias of -p
      --system         read values from all system directories
  -r, --pattern <expression>
                       select setting that match expression
  -q, --quiet          do not echo variable set
  -w, --write          enable writing a value to variable
  -o                   does nothing
  -x                   does nothing
  -d                   alias of -h

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see sysctl(8).
$ sysctl net.ipv4.conf.lo.forwarding=0 -q
$ cat /proc/sys/net/ipv4/conf/lo/forwarding
0
""")


def test_interface_keys_follow_links() -> None:
    """Per-interface keys appear, move and go with their links; default reaches new ones."""
    check(r"""
$ ip link add veth0 type veth peer name veth1
$ sysctl net.ipv4.conf.veth0.forwarding net.ipv6.conf.veth0.mtu net.ipv4.neigh.veth0.retrans_time_ms
net.ipv4.conf.veth0.forwarding = 0
net.ipv6.conf.veth0.mtu = 1500
net.ipv4.neigh.veth0.retrans_time_ms = 1000
$ sysctl -w net.ipv4.conf.default.rp_filter=2
net.ipv4.conf.default.rp_filter = 2
$ sysctl net.ipv4.conf.veth0.rp_filter net.ipv4.conf.lo.rp_filter
net.ipv4.conf.veth0.rp_filter = 2
net.ipv4.conf.lo.rp_filter = 2
$ ip link add veth2 type veth peer name veth3
$ sysctl net.ipv4.conf.veth2.rp_filter
net.ipv4.conf.veth2.rp_filter = 2
$ ip link set veth0 name eth0
$ sysctl net.ipv4.conf.eth0.rp_filter
net.ipv4.conf.eth0.rp_filter = 2
$ sysctl net.ipv4.conf.veth0.rp_filter
sysctl: cannot stat /proc/sys/net/ipv4/conf/veth0/rp_filter: No such file or directory
[1]
$ ip addr add 10.0.0.1/24 dev veth2
$ sysctl -w net.ipv4.conf.default.rp_filter=0
net.ipv4.conf.default.rp_filter = 0
$ sysctl net.ipv4.conf.veth2.rp_filter net.ipv4.conf.eth0.rp_filter net.ipv4.conf.veth3.rp_filter
net.ipv4.conf.veth2.rp_filter = 2
net.ipv4.conf.eth0.rp_filter = 0
net.ipv4.conf.veth3.rp_filter = 2
$ ip link set veth2 mtu 1400
$ sysctl net.ipv6.conf.veth2.mtu
net.ipv6.conf.veth2.mtu = 1400
$ ip link del veth2
$ sysctl net.ipv4.conf.veth2.rp_filter
sysctl: cannot stat /proc/sys/net/ipv4/conf/veth2/rp_filter: No such file or directory
[1]
""")


def test_proc_sys_files() -> None:
    """/proc/sys/net through cat and echo."""
    check(r"""
$ bash -c 'cat /proc/sys/net/ipv4/ip_forward'
0
$ bash -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
$ bash -c 'cat /proc/sys/net/ipv4/ip_forward'
1
$ bash -c 'echo 5 >> /proc/sys/net/ipv4/ip_forward; cat /proc/sys/net/ipv4/ip_forward'
5
$ bash -c 'echo abc > /proc/sys/net/ipv4/ip_forward'
bash: line 1: echo: write error: Invalid argument
[1]
$ bash -c 'printf abc > /proc/sys/net/ipv4/ip_forward'
bash: line 1: printf: write error: Invalid argument
[1]
$ bash -c '/bin/echo abc > /proc/sys/net/ipv4/ip_forward'
/bin/echo: write error: Invalid argument
[1]
$ sh -c 'echo abc > /proc/sys/net/ipv4/ip_forward'
sh: 1: echo: echo: I/O error
[1]
$ bash -c 'echo 1 > /proc/sys/net/ipv4/foo'
bash: line 1: /proc/sys/net/ipv4/foo: No such file or directory
[1]
$ bash -c 'echo "4096 1 2" > /proc/sys/net/ipv4/tcp_rmem; cat /proc/sys/net/ipv4/tcp_rmem'
4096	1	2
$ bash -c 'cat /proc/sys/net/ipv4/route/flush'
cat: /proc/sys/net/ipv4/route/flush: Permission denied
[1]
$ bash -c 'cat /proc/sys/net/ipv4/conf'
cat: /proc/sys/net/ipv4/conf: Is a directory
[1]
$ bash -c 'echo 1 > /proc/sys/net/core/rmem_max'
bash: line 1: /proc/sys/net/core/rmem_max: Permission denied
[1]
$ bash -c 'cat /proc/net/nf_conntrack'
$ bash -c 'echo /proc/sys/net/ipv4/conf/*/rp_filter'
/proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/ipv4/conf/default/rp_filter /proc/sys/net/ipv4/conf/lo/rp_filter
""")


def test_loading_files() -> None:
    """sysctl -p: settings from a file, with its errors."""
    check(r"""
$ echo 'net.ipv4.ip_forward = 1' > /tmp/s.conf
$ echo '# comment' >> /tmp/s.conf
$ echo 'net.ipv4.nosuch = 1' >> /tmp/s.conf
$ echo '-net.ipv4.nosuch2 = 1' >> /tmp/s.conf
$ echo 'bad line' >> /tmp/s.conf
$ echo 'net.ipv4.conf.all.rp_filter=2' >> /tmp/s.conf
$ sysctl -p /tmp/s.conf
sysctl: /tmp/s.conf(5): invalid syntax, continuing...
net.ipv4.ip_forward = 1
sysctl: cannot stat /proc/sys/net/ipv4/nosuch: No such file or directory
sysctl: cannot stat /proc/sys/net/ipv4/nosuch2: No such file or directory
net.ipv4.conf.all.rp_filter = 2
[1]
$ sysctl -p /tmp/nosuch.conf
sysctl: cannot open "/tmp/nosuch.conf": No such file or directory
[1]
$ sysctl --load=/tmp/s.conf
sysctl: /tmp/s.conf(5): invalid syntax, continuing...
net.ipv4.ip_forward = 1
sysctl: cannot stat /proc/sys/net/ipv4/nosuch: No such file or directory
sysctl: cannot stat /proc/sys/net/ipv4/nosuch2: No such file or directory
net.ipv4.conf.all.rp_filter = 2
[1]
$ sysctl -N -a -r 'ipv4\.ip_forward'
net.ipv4.ip_forward
net.ipv4.ip_forward_update_priority
net.ipv4.ip_forward_use_pmtu
$ sysctl -n -a -r 'ipv4\.ip_forward$'
1
""")


def test_all_keys_of_a_namespace_with_links() -> None:
    """``sysctl -a``: every ``net.`` key, per-interface ones included, in /proc/sys order
    (captured: a veth pair, one end renamed ``eth-1``, a bridge, lo up, an MTU change)."""
    lab = Lab()
    try:
        for line in (
            "ip link add veth0 type veth peer name veth1",
            "ip link add br0 type bridge",
            "ip link set veth1 name eth-1",
            "ip link set lo up",
            "ip link set veth0 mtu 1400",
        ):
            assert lab.run(line) == ("", 0)
        text, status = lab.run("sysctl -a")
    finally:
        lab.close()
    assert status == 0
    assert text == (HERE / "data" / "sysctl-a-net.txt").read_text()
