# Where the project's FRR build lives; sourced by the set-up scripts.
: "${MDCS_FRR_VERSION:=8.4.4}"
: "${MDCS_FRR_PREFIX:=/opt/mdcs/frr}"
: "${MDCS_CACHE:=/var/cache/mdcs}"
MDCS_FRR_SRC="$MDCS_CACHE/frr-$MDCS_FRR_VERSION"
export MDCS_FRR_VERSION MDCS_FRR_PREFIX MDCS_CACHE MDCS_FRR_SRC
