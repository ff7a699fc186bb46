"""-m comment and the xtables_save_string quoting it uses."""

from helpers import Shell, ip_packet, parsed_match
from nflab.iptables.quoting import put_string, save_string
from nflab.netfilter.skb import Env, Skb


def test_quoting_rules() -> None:
    assert save_string("foo_BAR-1") == "foo_BAR-1"
    assert save_string("") == '""'
    assert save_string("a b") == '"a b"'
    assert save_string("say \"hi\" it's a\\b") == '"say \\"hi\\" it\\\'s a\\\\b"'


def test_saved_and_listed() -> None:
    sh = Shell()
    sh.ok("""iptables -A INPUT -m comment --comment 'allow "web"'""")
    assert sh.rules()[-1] == '-A INPUT -m comment --comment "allow \\"web\\""'
    assert sh.ok("iptables -L INPUT").splitlines()[-1].endswith('/* allow "web" */')


def test_long_comment_is_cut_to_255_bytes() -> None:
    ext, value = parsed_match("-m comment --comment " + "x" * 300)
    assert value == "x" * 255
    assert put_string("é" * 200, 256).encode() == ("é" * 127).encode()


def test_missing_and_always_matching() -> None:
    sh = Shell()
    assert 'comment: option "--comment" must be specified' in sh("iptables -A INPUT -m comment").err
    ext, value = parsed_match("-m comment --comment x")
    assert ext.matches(value, Skb(ip_packet()), Env())
