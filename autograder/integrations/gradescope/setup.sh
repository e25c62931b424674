#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder's image: a Python >= 3.11 (the image's own
# when it is one: Ubuntu 24.04's 3.12; else one installed with uv, or deadsnakes' packages: Ubuntu 22.04, the
# default base image, has 3.10), a venv with a CPU-only torch and the grader, and the inputs every grading replays.
# setup.env (written beside it by `gradescope-bundle`) names the torch index and requirement.
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
AUTOGRADER="${AUTOGRADER_ROOT:-/autograder}"
MINIMUM=(3 11)  # NumPy 2.4 and the grader need 3.11
WANTED=3.12     # what is installed when the image has no Python >= 3.11

# Does "$1" run a Python >= 3.11? (`--version` prints "Python 3.10.12")
recent_enough() {
    local version major minor
    version="$("$1" --version 2>&1)" || return 1
    version="${version#Python }"
    major="${version%%.*}"
    minor="${version#*.}"
    minor="${minor%%.*}"
    [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
    (( major > MINIMUM[0] || (major == MINIMUM[0] && minor >= MINIMUM[1]) ))
}

# The first Python >= 3.11 on PATH, newest name first; prints its path, or fails.
find_python() {
    local name path
    for name in python3.14 python3.13 python3.12 python3.11 python3; do
        path="$(command -v "$name" 2>/dev/null)" || continue
        if recent_enough "$path"; then
            printf '%s\n' "$path"
            return 0
        fi
    done
    return 1
}

# Install a Python $WANTED where every user can run it (student code runs as a uid of its own); prints its path.
install_python() {
    local python
    local uv_dir="$AUTOGRADER/uv"
    export UV_PYTHON_INSTALL_DIR="$AUTOGRADER/python"  # not root's home, which the student's uid cannot enter
    if ! command -v uv >/dev/null 2>&1 && [ ! -x "$uv_dir/uv" ]; then
        # uv's standalone installer; unmanaged: into uv_dir, no shell profile edited
        curl -LsSf https://astral.sh/uv/install.sh | env UV_UNMANAGED_INSTALL="$uv_dir" sh >&2 || true
    fi
    PATH="$uv_dir:$PATH"
    if command -v uv >/dev/null 2>&1 && uv python install "$WANTED" >&2 \
            && python="$(uv python find "$WANTED")" && recent_enough "$python"; then
        chmod -R o+rX "$UV_PYTHON_INSTALL_DIR"
        printf '%s\n' "$python"
        return 0
    fi
    echo "uv could not install Python $WANTED; trying the deadsnakes packages" >&2
    apt-get update >&2 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends software-properties-common >&2 \
        && add-apt-repository -y ppa:deadsnakes/ppa >&2 \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "python$WANTED" \
            "python$WANTED-venv" >&2 \
        && command -v "python$WANTED"
}

# A venv of "$1" in "$2"; Ubuntu's Python needs its -venv package for that (ensurepip).
make_venv() {
    if ! "$1" -m venv "$2"; then
        local minor
        minor="$("$1" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "python$minor-venv"
        rm -rf "$2"
        "$1" -m venv "$2"
    fi
}

main() {
    # written by gradescope-bundle: TORCH_INDEX, the CPU-only wheels, and TORCH_REQUIREMENT, the grader's bounds
    # (without it, pip would take PyPI's torch: the multi-GB CUDA build, of any version)
    # shellcheck source=/dev/null
    . "$SOURCE/setup.env"
    local python
    if ! python="$(find_python)"; then
        python="$(install_python)" || true
        if [ -z "$python" ] || ! recent_enough "$python"; then
            echo "error: no Python >= ${MINIMUM[0]}.${MINIMUM[1]} here, and none could be installed (uv, deadsnakes)" >&2
            exit 1
        fi
    fi
    echo "Python for the grader: $python ($("$python" --version 2>&1))"
    make_venv "$python" "$AUTOGRADER/venv"
    local pip="$AUTOGRADER/venv/bin/pip"
    "$pip" install --upgrade pip
    # CPU-only torch first: installing the grader then finds its torch requirement met.
    "$pip" install --index-url "$TORCH_INDEX" "$TORCH_REQUIREMENT"
    "$pip" install "$SOURCE/grader"
    # The inputs every student's grading replays, drawn once (without them each submission's grading draws its own).
    "$AUTOGRADER/venv/bin/python" -m autograder.integrations.gradescope.bundle --precompute "$SOURCE/draws" --config "$SOURCE/config.json" \
        || echo "warning: the inputs could not be drawn ahead; each submission's grading draws them"
    # Fail the image build here, not at the first student.
    "$AUTOGRADER/venv/bin/python" -c "import autograder.grading, autograder.integrations.gradescope.bundle"
    # The grading seed is for the grader alone: without bubblewrap, student code runs as a uid of its own (README,
    # threat model), which must be able to run this Python, and must not read config.json.
    chmod o+x "$AUTOGRADER"
    chmod -R o+rX "$AUTOGRADER/venv"
    chmod 600 "$SOURCE/config.json"
    chmod -R go-rwx "$SOURCE/draws" 2>/dev/null || true
}

# Sourced (the tests call find_python alone), only the functions are defined.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
