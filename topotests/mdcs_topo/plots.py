"""The evaluation's figures (evaluation.py): what each scheme put on every
inter-AS link per message, and how long messages took to reach every
peer; and the RP mesh's against its number of RPs (mesh_scale.py); as
PNG files."""

import os


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def octets_per_link(rows, labels, n_messages, path):
    """Grouped bars: per inter-AS link, each scheme's octets per message
    (all of its traffic), on a log scale."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(max(7, 0.7 * len(labels)), 4.5))
    width = 0.8 / len(rows)
    for i, (name, r) in enumerate(rows.items()):
        xs = [j + (i - (len(rows) - 1) / 2) * width
              for j in range(len(labels))]
        # A link that carried nothing has no bar on a log scale.
        ys = [r.everything[label] / n_messages or float("nan")
              for label in labels]
        ax.bar(xs, ys, width, label=name)
    ax.set_yscale("log")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=45, ha="right")
    ax.set_ylabel("octets per message (IPv6 packets)")
    ax.set_title("What crosses each inter-AS link per message")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def time_to_all(rows, path):
    """Per scheme, the distribution of the time until the last other peer
    had a message."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, r in rows.items():
        ms = sorted(1000 * t for t in r.latencies)
        if ms:
            ax.step(ms, [(i + 1) / len(ms) for i in range(len(ms))],
                    where="post", label=name)
    ax.set_xscale("log")
    ax.set_xlabel("ms until the last other peer has the message")
    ax.set_ylabel("share of messages")
    ax.set_ylim(0, 1.02)
    ax.set_title("Time until every peer has a message")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def draw(rows, labels, n_messages, outdir):
    """Both figures in outdir; their paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = [os.path.join(outdir, "octets-per-link.png"),
             os.path.join(outdir, "time-to-all-peers.png")]
    octets_per_link(rows, labels, n_messages, paths[0])
    time_to_all(rows, paths[1])
    return paths


def mesh_scale(rows, path):
    """The RP mesh against its number of RPs (mesh_scale.py's rows): the
    time to a complete mesh, the upkeep per RP, what a message costs on
    the inter-AS links, and rpd's memory and CPU, one panel each."""
    plt = _pyplot()
    ns = [r.n for r in rows]
    fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
    (mesh, upkeep), (octets, rpd) = axes
    mesh.plot(ns, [r.mesh_after_start for r in rows], "o-",
              label="after rpd started (poll)")
    mesh.plot(ns, [r.learned_after_start if r.learned_after_start is not None
                   else float("nan") for r in rows], "s--",
              label="after rpd started (rpd logs)")
    mesh.plot(ns, [r.mesh_after_bgp for r in rows], "^-",
              label="after BGP converged (poll)")
    mesh.set_ylabel("s until every RP knows every other")
    mesh.set_title("Time to a complete mesh")
    upkeep.plot(ns, [r.upkeep for r in rows], "o-")
    upkeep.set_ylabel("octets/s per RP, inter-AS links")
    upkeep.set_title("Mesh upkeep, nothing published")
    octets.plot(ns, [r.octets_per_message for r in rows], "o-",
                label="all inter-AS links")
    octets.plot(ns, [r.octets_per_link for r in rows], "s--",
                label="per link")
    octets.set_ylabel("octets per message (IPv6 packets)")
    octets.set_title("Data plane")
    rpd.plot(ns, [r.rss_mib for r in rows], "o-", color="C0")
    rpd.set_ylabel("VmRSS, MiB (mean over RPs)", color="C0")
    cpu = rpd.twinx()
    cpu.plot(ns, [r.run_cpu for r in rows], "s--", color="C1")
    cpu.set_ylabel("CPU s over the run (mean over RPs)", color="C1")
    rpd.set_title("rpd")
    for ax in (mesh, upkeep, octets, rpd):
        ax.set_xlabel("RPs")
        ax.set_xticks(ns)
        ax.grid(True, alpha=0.3)
    for ax in (mesh, upkeep, octets, rpd, cpu):
        # From 0, with room above the highest point.
        ax.set_ylim(0, 1.1 * ax.get_ylim()[1])
    mesh.legend(fontsize="small")
    octets.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
