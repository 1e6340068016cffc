"""The evaluation's figures (evaluation.py): what each scheme put on every
inter-AS link per message, and how long messages took to reach every
peer, as PNG files."""

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
