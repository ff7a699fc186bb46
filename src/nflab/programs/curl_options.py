"""curl 7.88.1's command line: its option table and ``getparameter``'s rules.

Every option of the real table is known, so a mistyped or ambiguous one
fails as curl does (``curl: option --foo: is unknown``); long options may
be abbreviated to any unique prefix and booleans negated with ``--no-``;
short ones combine (``-sSm2``). The options the labs use are simulated;
Debian's curl is built without c-ares, so the resolver options are refused
while parsing (``--dns-interface``: "the installed libcurl version doesn't
support this"); any other valid option raises :class:`NotSimulated`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .system import NotSimulated

# (letter, long name, argument kind) as in src/tool_getparam.c, in its order
_TABLE = """
*@ url S *4 dns-ipv4-addr S *6 dns-ipv6-addr S *a random-file F *b egd-file S
*B oauth2-bearer S *c connect-timeout S *d ciphers S *D dns-interface S *e disable-epsv B
*f disallow-username-in-url B *E epsv B *F dns-servers S *g trace F *G npn B
*h trace-ascii F *H alpn B *i limit-rate S *I rate S *j compressed B *J tr-encoding B
*k digest B *l negotiate B *m ntlm B *M ntlm-wb B *n basic B *o anyauth B *p wdebug B
*q ftp-create-dirs B *r create-dirs B *R create-file-mode S *s max-redirs S
*t proxy-ntlm B *u crlf B *v stderr F *V aws-sigv4 S *w interface S *x krb S *x krb4 S
*X haproxy-protocol B *y max-filesize S *z disable-eprt B *Z eprt B *~ xattr B
$a ftp-ssl B $a ssl B $b ftp-pasv B $c socks5 S $d tcp-nodelay B $e proxy-digest B
$f proxy-basic B $g retry S $V retry-connrefused B $h retry-delay S $i retry-max-time S
$k proxy-negotiate B $l form-escape B $m ftp-account S $n proxy-anyauth B
$o trace-time B $p ignore-content-length B $q ftp-skip-pasv-ip B $r ftp-method S
$s local-port S $t socks4 S $T socks4a S $u ftp-alternative-to-user S $v ftp-ssl-reqd B
$v ssl-reqd B $w sessionid B $x ftp-ssl-control B $y ftp-ssl-ccc B $j ftp-ssl-ccc-mode S
$z libcurl S $# raw B $0 post301 B $1 keepalive B $2 socks5-hostname S
$3 keepalive-time S $4 post302 B $5 noproxy S $7 socks5-gssapi-nec B $8 proxy1.0 S
$9 tftp-blksize S $A mail-from S $B mail-rcpt S $C ftp-pret B $D proto S
$E proto-redir S $F resolve S $G delegation S $H mail-auth S $I post303 B $J metalink B
$6 sasl-authzid S $L test-event B $M unix-socket F $N path-as-is B
$O socks5-gssapi-service S $O proxy-service-name S $P service-name S $Q proto-default S
$R expect100-timeout S $S tftp-no-options B $U connect-to S $W abstract-unix-socket F
$X tls-max S $Y suppress-connect-headers B $Z compressed-ssh B
$~ happy-eyeballs-timeout-ms S $! retry-all-errors B 0 http1.0 N 01 http1.1 N
02 http2 N 03 http2-prior-knowledge N 04 http3 N 05 http3-only N 09 http0.9 B
1 tlsv1 N 10 tlsv1.0 N 11 tlsv1.1 N 12 tlsv1.2 N 13 tlsv1.3 N 1A tls13-ciphers S
1B proxy-tls13-ciphers S 2 sslv2 N 3 sslv3 N 4 ipv4 N 6 ipv6 N a append B
A user-agent S b cookie S ba alt-svc S bb hsts S B use-ascii B c cookie-jar S
C continue-at S d data S dr data-raw S da data-ascii S db data-binary S
de data-urlencode S df json S dg url-query S D dump-header F e referer S E cert F
Ea cacert F Eb cert-type S Ec key F Ed key-type S Ee pass S Ef engine S Eg capath F
Eh pubkey S Ei hostpubmd5 S EF hostpubsha256 S Ej crlfile F Ek tlsuser S
El tlspassword S Em tlsauthtype S En ssl-allow-beast B Eo ssl-auto-client-cert B
EO proxy-ssl-auto-client-cert B Ep pinnedpubkey S EP proxy-pinnedpubkey S
Eq cert-status B EQ doh-cert-status B Er false-start B Es ssl-no-revoke B
ES ssl-revoke-best-effort B Et tcp-fastopen B Eu proxy-tlsuser S Ev proxy-tlspassword S
Ew proxy-tlsauthtype S Ex proxy-cert F Ey proxy-cert-type S Ez proxy-key F
E0 proxy-key-type S E1 proxy-pass S E2 proxy-ciphers S E3 proxy-crlfile F
E4 proxy-ssl-allow-beast B E5 login-options S E6 proxy-cacert F E7 proxy-capath F
E8 proxy-insecure B E9 proxy-tlsv1 N EA socks5-basic B EB socks5-gssapi B
EC etag-save F ED etag-compare F EE curves S f fail B fa fail-early B fb styled-output B
fc mail-rcpt-allowfails B fd fail-with-body B fe remove-on-error B F form S
Fs form-string S g globoff B G get B Ga request-target S h help B H header S
Hp proxy-header S i include B I head B j junk-session-cookies B J remote-header-name B
k insecure B kd doh-insecure B K config F l list-only B L location B
Lt location-trusted B m max-time S M manual B n netrc B no netrc-optional B
ne netrc-file F N buffer B o output F O remote-name B Oa remote-name-all B
Ob output-dir S Oc clobber B p proxytunnel B P ftp-port S q disable B Q quote S
r range S R remote-time B s silent B S show-error B t telnet-option S T upload-file F
u user S U proxy-user S v verbose B V version B w write-out S x proxy S xa preproxy S
X request S Y speed-limit S y speed-time S z time-cond S Z parallel B
Zb parallel-max S Zc parallel-immediate B # progress-bar B #m progress-meter B
: next N
"""
_WORDS = _TABLE.split()
ALIASES: tuple[tuple[str, str, str], ...] = tuple(
    (_WORDS[i], _WORDS[i + 1], _WORDS[i + 2]) for i in range(0, len(_WORDS), 3)
)
_NEEDS_ARG = ("S", "F")

# ParameterError texts (src/tool_helpers.c param2text)
UNKNOWN = "is unknown"
AMBIGUOUS = "is ambiguous"
REQUIRES = "requires parameter"
BAD_NUMERIC = "expected a proper numerical parameter"
NEGATIVE = "expected a positive numerical parameter"
NOT_SUPPORTED = "the installed libcurl version doesn't support this"
NO_PREFIX = "the given option can't be reversed with a --no- prefix"
TOO_LARGE = "too large number"
NO_NOT_BOOLEAN = "used '--no-' for option that isn't a boolean"

_C_ARES_ONLY = ("*4", "*6", "*D", "*F")  # dns-ipv4-addr, dns-ipv6-addr, dns-interface, dns-servers
_STRTOD = re.compile(r"\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)")
_LONG_MAX_MS = (2**63 - 1) / 1000


class ParamError(Exception):
    """A command line curl refuses: ``curl: option OPT: REASON`` and the help hint."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason
        self.option = ""  # the command line word it is about


@dataclass
class Config:
    urls: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # -o, paired with the URLs in order
    headers: list[str] = field(default_factory=list)
    silent: bool = False
    show_error: bool = False
    verbose: bool = False
    head: bool = False
    include: bool = False
    fail: bool = False
    max_time_ms: int = 0  # 0: no limit
    connect_timeout_ms: int = 0
    interface: str | None = None
    user_agent: str | None = None
    method: str | None = None


def secs2ms(text: str) -> int:
    """``secs2ms``: seconds with decimals (``strtod``), not negative, in milliseconds."""
    match = _STRTOD.match(text)
    if match is None or match.end() != len(text):
        raise ParamError(BAD_NUMERIC)
    value = float(match.group())
    if value > _LONG_MAX_MS:
        raise ParamError(TOO_LARGE)
    if value < 0:
        raise ParamError(NEGATIVE)
    return int(value * 1000)


def _find_long(word: str) -> tuple[str, str, str]:
    hits = [alias for alias in ALIASES if alias[1].startswith(word)]
    exact = [alias for alias in hits if alias[1] == word]
    if exact:
        return exact[0]
    if len(hits) > 1:
        raise ParamError(AMBIGUOUS)
    if not hits:
        raise ParamError(UNKNOWN)
    return hits[0]


def getparameter(flag: str, nextarg: str | None, config: Config) -> bool:
    """One command line word: True when it used ``nextarg`` (``getparameter``)."""
    if not flag.startswith("-") or flag.startswith("--"):
        word = flag[2:] if flag.startswith("--") else flag
        toggle = not word.startswith("no-")
        alias = _find_long(word if toggle else word[3:])
        if not toggle and alias[2] != "B":
            raise ParamError(NO_NOT_BOOLEAN)
        return _apply(alias, nextarg, config, toggle)
    rest = flag[1:]
    while True:
        letter = rest[:1]
        short = next((a for a in ALIASES if letter and a[0][0] == letter), None)
        if short is None:
            raise ParamError(UNKNOWN)
        if short[2] in _NEEDS_ARG and rest[1:]:
            _apply(short, rest[1:], config, True)
            return False
        used = _apply(short, nextarg, config, True)
        rest = rest[1:]
        if used or not rest:
            return used


def _apply(alias: tuple[str, str, str], arg: str | None, config: Config, toggle: bool) -> bool:
    letter, name, kind = alias
    if kind in _NEEDS_ARG and arg is None:
        raise ParamError(REQUIRES)
    if kind == "N" and not toggle:
        raise ParamError(NO_PREFIX)
    if letter in _C_ARES_ONLY:
        raise ParamError(NOT_SUPPORTED)
    value = arg or ""
    if letter == "*@":
        config.urls.append(value)
    elif letter == "s":
        config.silent = toggle
    elif letter == "S":
        config.show_error = toggle
    elif letter == "v":
        config.verbose = toggle
    elif letter == "I":
        config.head = toggle
    elif letter == "i":
        config.include = toggle
    elif letter == "f":
        config.fail = toggle
    elif letter == "m":
        config.max_time_ms = secs2ms(value)
    elif letter == "*c":
        config.connect_timeout_ms = secs2ms(value)
    elif letter == "H":
        config.headers.append(value)
    elif letter == "*w":
        config.interface = value
    elif letter == "o":
        config.outputs.append(value)
    elif letter == "A":
        config.user_agent = value
    elif letter == "X":
        config.method = value
    elif letter == "4":
        pass  # IPv4 only: the lab's names are IPv4 anyway
    else:
        raise NotSimulated(f"the curl option --{name}")
    return kind in _NEEDS_ARG


def parse_args(argv: Sequence[str]) -> Config:
    """``parse_args``: :class:`ParamError` names the offending word in ``option``."""
    config = Config()
    args = list(argv[1:])
    still_flags = True
    i = 0
    while i < len(args):
        word = args[i]
        try:
            if still_flags and word.startswith("-"):
                if word == "--":
                    still_flags = False
                else:
                    nextarg = args[i + 1] if i + 1 < len(args) else None
                    if getparameter(word, nextarg, config):
                        i += 1
            else:
                config.urls.append(word)
        except ParamError as err:
            err.option = word
            raise
        i += 1
    return config
