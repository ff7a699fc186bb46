"""-m nfacct: texts and the kernel's check of the object."""

from dataclasses import dataclass

from helpers import Shell, ip_packet, parsed_match
from nflab.netfilter.skb import Env, Skb


def test_unknown_object_is_refused_by_each_backend() -> None:
    sh = Shell()
    nft = sh("iptables -A INPUT -m nfacct --nfacct-name web")
    assert nft.status == 4 and "RULE_APPEND failed (No such file or directory)" in nft.err
    legacy = sh("iptables-legacy -A INPUT -m nfacct --nfacct-name web")
    assert legacy.status == 1 and legacy.err == "iptables: No chain/target/match by that name.\n"


def test_parse_errors_and_save_text() -> None:
    sh = Shell()
    assert "Newlines not allowed" in sh("iptables -A INPUT -m nfacct --nfacct-name 'a\nb'").err
    ext, value = parsed_match("-m nfacct --nfacct-name 'a b'")
    from nflab.iptables.extension import Show
    from nflab.iptables.names import Names

    assert ext.save(value, Show(True, Names())) == ' --nfacct-name  "a b"'


@dataclass
class Counter:
    quota: int | None = None
    bytes: int = 0

    def update(self, length: int) -> None:
        self.bytes += length

    def overquota(self) -> bool | None:
        return None if self.quota is None else self.bytes > self.quota


def test_counts_and_matches_unless_under_quota() -> None:
    ext, value = parsed_match("-m nfacct --nfacct-name web")
    plain, limited = Counter(), Counter(quota=50)
    env = Env(services={"nfacct": {"web": plain}})
    assert ext.matches(value, Skb(ip_packet()), env) and plain.bytes == 40
    env.services["nfacct"]["web"] = limited
    assert not ext.matches(value, Skb(ip_packet()), env)
    assert ext.matches(value, Skb(ip_packet()), env)  # 80 > 50: over quota
