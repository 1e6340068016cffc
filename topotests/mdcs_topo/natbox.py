"""NAT66 and IPv6 firewall boxes in front of an RP, as nftables rule sets.

A box is a router with an inside interface toward its RP and an outside
one toward the Internet.  Every profile was measured with RFC 5780's tests
on this kernel (docs/mesh.md): NAT66 masquerade and a port-restricted cone
behave alike on IPv6, and Linux's fully random masquerade is symmetric.
"""

import os

# Unsolicited UDP to a NAT's own address is dropped, not answered with
# ICMP: an answered punch confirms a conntrack entry that makes masquerade
# pick another port for the RP's own packets later.
_GUARD = """
table inet natguard {
  chain input {
    type filter hook input priority 0; policy accept;
    iifname "$out" ct state established,related accept
    iifname "$out" meta l4proto udp drop
  }
}
"""

_MASQUERADE = """
table ip6 nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$out" masquerade
  }
}
"""

_RULES = {
    "open": "",
    "fw-eif": """
table ip6 fw {
  set open_udp {
    type ipv6_addr . inet_service; flags dynamic,timeout; timeout 120s;
  }
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
    iifname "$inside" meta l4proto udp update @open_udp { ip6 saddr . udp sport }
    iifname "$inside" accept
    iifname "$out" ip6 daddr . udp dport @open_udp accept
  }
}
""",
    "full-cone": _GUARD + """
table ip6 nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$out" masquerade
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "$out" ip6 daddr $public udp dport 1024-65535 dnat to $host
  }
}
""",
    "restricted-cone": _GUARD + """
table ip6 nat {
  set contacted {
    type ipv6_addr . inet_service; flags dynamic,timeout; timeout 120s;
  }
  chain track {
    type filter hook forward priority 0; policy accept;
    oifname "$out" meta l4proto udp update @contacted { ip6 daddr . udp sport }
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$out" masquerade
  }
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    iifname "$out" ip6 saddr . udp dport @contacted dnat to $host
  }
}
""",
    "port-restricted-cone": _GUARD + """
table ip6 nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$out" snat to $public
  }
}
""",
    "nat66": _GUARD + _MASQUERADE,
    "fw-apdf": """
table ip6 fw {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
    icmpv6 type { destination-unreachable, packet-too-big, time-exceeded, parameter-problem } accept
    iifname "$inside" accept
  }
}
""",
    "symmetric": _GUARD + """
table ip6 nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$out" masquerade fully-random
  }
}
""",
}

PROFILES = list(_RULES)

# (translates, mapping, filtering) as RFC 5780's tests find them; the
# names are those of the YANG model's nat container.
EI, AD, APD = ("endpoint-independent", "address-dependent",
               "address-and-port-dependent")
BEHAVIOUR = {
    "open": (False, EI, EI),
    "fw-eif": (False, EI, EI),
    "full-cone": (True, EI, EI),
    "restricted-cone": (True, EI, AD),
    "port-restricted-cone": (True, EI, APD),
    "nat66": (True, EI, APD),
    "fw-apdf": (False, EI, APD),
    "symmetric": (True, APD, APD),
}


def translates(profile):
    return BEHAVIOUR[profile][0]


def reachable(profile):
    """Whether RPs it never sent to get through the box."""
    return BEHAVIOUR[profile][2] == EI


def traversal(a, b):
    """How RPs behind boxes a and b reach each other: directly if both
    boxes let anyone in, relayed if one maps per destination and the other
    filters per address and port, else punched."""
    if reachable(a) and reachable(b):
        return "direct"
    for x, y in ((a, b), (b, a)):
        if BEHAVIOUR[x][1] != EI and BEHAVIOUR[y][2] == APD:
            return "relayed"
    return "punched"


def install(box, profile, workdir, inside, out, public, host):
    """Load profile's rule set on box: inside and out are its interfaces,
    public its outside address, host the RP's tunnel address.  The rule
    set is left in workdir."""
    # The outside address is valid at once: while duplicate address
    # detection ran, masquerade would take the inside link's address,
    # which the Internet has no route to, and an RP that sends again
    # within conntrack's timeout would keep that mapping for as long.
    box.cmd_raises("sysctl -qw net.ipv6.conf.{}.accept_dad=0".format(out))
    rules = _RULES[profile]
    for name, value in (("$inside", inside), ("$out", out),
                        ("$public", public), ("$host", host)):
        rules = rules.replace(name, value)
    if not rules:
        return
    path = os.path.join(workdir, box.name + ".nft")
    with open(path, "w") as f:
        f.write(rules)
    box.cmd_raises("nft -f " + path)
