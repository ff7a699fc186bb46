"""iptables commands on a simulated namespace: texts and statuses of iptables 1.8.9.

Each expectation was checked against the real 1.8.9 binaries in a scratch
network namespace (``unshare -n``).
"""

from helpers import Shell


def test_append_insert_positions_and_listing() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -p tcp --dport 22 -j ACCEPT")
    sh.ok("iptables -I INPUT -p tcp --dport 80 -j ACCEPT")
    sh.ok("iptables -I INPUT 2 -p tcp --dport 443 -j ACCEPT")
    assert sh("iptables -I INPUT 5 -j ACCEPT").text == "iptables: Index of insertion too big.\n"
    assert sh.rules()[3:] == [
        "-A INPUT -p tcp -m tcp --dport 80 -j ACCEPT",
        "-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT",
        "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT",
    ]


def test_insert_of_an_address_list_reverses_it() -> None:
    # every expanded rule is inserted at the same position, the last ends up first
    sh = Shell()
    sh.ok("iptables -I INPUT -s 1.2.3.4,5.6.7.0/24")
    assert sh.rules()[3:] == ["-A INPUT -s 5.6.7.0/24", "-A INPUT -s 1.2.3.4/32"]


def test_failed_command_changes_nothing() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -j ACCEPT")
    before = sh.ok("iptables-save")
    result = sh("iptables -A INPUT -s 1.1.1.1,2.2.2.2 -j NOPE")
    assert result.status == 2
    assert result.err.startswith("iptables v1.8.9 (nf_tables): Chain 'NOPE' does not exist\n")
    assert sh.ok("iptables-save") == before


def test_user_chain_lifecycle_nft_texts() -> None:
    sh = Shell()
    sh.ok("iptables -N MY")
    assert sh("iptables -N MY").text == "iptables: Chain already exists.\n"
    sh.ok("iptables -A INPUT -j MY")
    busy = sh("iptables -X MY")
    assert (busy.status, busy.err) == (
        4,
        "iptables v1.8.9 (nf_tables):  CHAIN_DEL failed (Device or resource busy): chain MY\n",
    )
    sh.ok("iptables -E MY OTHER")
    assert sh.rules()[-1] == "-A INPUT -j OTHER"
    assert sh("iptables -X NOPE").text == "iptables: No chain/target/match by that name.\n"


def test_user_chain_lifecycle_legacy_texts() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -N MY")
    sh.ok("iptables-legacy -A MY -j ACCEPT")
    assert sh("iptables-legacy -X MY").text == "iptables: Directory not empty.\n"
    sh.ok("iptables-legacy -F MY")
    sh.ok("iptables-legacy -A INPUT -j MY")
    assert sh("iptables-legacy -X MY").text == "iptables: Too many links.\n"
    loop = sh("iptables-legacy -A MY -j MY")
    assert loop.text == "iptables: Too many levels of symbolic links.\n"


def test_policy_errors() -> None:
    sh = Shell()
    assert sh("iptables -P FOO ACCEPT").text == "iptables: Bad built-in chain name.\n"
    assert sh("iptables -P INPUT FOO").text == (
        "iptables: Bad policy name. Run `dmesg' for more information.\n"
    )
    nat_drop = sh("iptables -t nat -P PREROUTING DROP")
    assert nat_drop.status == 2
    assert "the use of DROP is therefore inhibited" in nat_drop.err


def test_delete_by_number_and_spec() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -s 10.0.0.0/8 -j DROP")
    sh.ok("iptables -A INPUT -p icmp -j ACCEPT")
    assert sh("iptables -D INPUT 3").text == "iptables: Index of deletion too big.\n"
    sh.ok("iptables -D INPUT -s 10.1.2.3/8 -j DROP")  # host bits are masked before comparing
    sh.ok("iptables -D INPUT 1")
    assert sh.rules() == ["-P INPUT ACCEPT", "-P FORWARD ACCEPT", "-P OUTPUT ACCEPT"]
    missing = sh("iptables -D INPUT -j DROP")
    assert missing.text == "iptables: Bad rule (does a matching rule exist in that chain?).\n"


def test_listing_formats() -> None:
    sh = Shell()
    sh.ok("iptables -A INPUT -s 192.168.57.1 -p tcp --dport 22 -j ACCEPT")
    assert sh.ok("iptables -nvL INPUT").splitlines() == [
        "Chain INPUT (policy ACCEPT 0 packets, 0 bytes)",
        " pkts bytes target     prot opt in     out     source               destination         ",
        "    0     0 ACCEPT     6    --  *      *       192.168.57.1         0.0.0.0/0            tcp dpt:22",
    ]
    assert sh.ok("iptables -L INPUT").splitlines()[2] == (
        "ACCEPT     tcp  --  192.168.57.1         anywhere             tcp dpt:ssh"
    )


def test_nft_creates_tables_only_when_adding() -> None:
    sh = Shell()
    sh.ok("iptables -t raw -F")
    sh.ok("iptables -t nat -L")
    assert sh.ok("iptables-save") == ""
    sh.ok("iptables-legacy -t raw -L")
    assert sh.ok("iptables-legacy-save").count("*raw") == 1


def test_option_checks() -> None:
    sh = Shell()
    out = sh("iptables -A INPUT -o eth0")
    assert out.err.splitlines()[0] == "iptables v1.8.9 (nf_tables): Can't use -o with INPUT"
    assert sh("iptables -A INPUT -j ACCEPT -n").err.splitlines()[0] == (
        "iptables v1.8.9 (nf_tables): Illegal option `-n' with this command"
    )
    bad = sh("iptables -F INPUT extra")
    assert (bad.status, bad.err.splitlines()[0]) == (2, "Bad argument `extra'")


def test_nft_listing_warns_about_legacy_tables() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -N X")
    listing = sh("iptables -S")
    assert listing.err == "# Warning: iptables-legacy tables present, use iptables-legacy to see them\n"
    assert sh("iptables -A INPUT -j ACCEPT").err == ""


def test_verbose_echo_survives_a_failure_and_follows_the_error() -> None:
    # stdout into a pipe is flushed at exit, after the unbuffered error message
    sh = Shell()
    io_text = sh("iptables-legacy -v -t nat -A INPUT -j REDIRECT").combined
    assert io_text.splitlines() == [
        "iptables: Invalid argument. Run `dmesg' for more information.",
        "REDIRECT  all opt -- in * out *  0.0.0.0/0  -> 0.0.0.0/0  ",
    ]


def test_legacy_delete_of_missing_rule_with_extension_target_says_no_chain() -> None:
    sh = Shell()
    sh.ok("iptables-legacy -N U")
    no_such = "iptables: No chain/target/match by that name.\n"
    bad_rule = "iptables: Bad rule (does a matching rule exist in that chain?).\n"
    assert sh("iptables-legacy -D INPUT -j LOG").err == no_such
    assert sh("iptables-legacy -C INPUT -j U").err == no_such
    assert sh("iptables-legacy -D INPUT -j ACCEPT").err == bad_rule
    assert sh("iptables -D INPUT -j LOG").err == bad_rule
