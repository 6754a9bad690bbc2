#!/usr/bin/env bash
# Renders the Kubernetes manifests under k8s/ with kustomize and validates every rendered object
# offline against the Kubernetes OpenAPI schemas bundled in the PyPI package kubernetes-validate
# (strict: unknown fields are errors), then checks the references between the objects.
#
#   bash scripts/k8s-check.sh                      # validate against Kubernetes $K8S_VERSION
#   K8S_VERSION=1.33.0 bash scripts/k8s-check.sh   # another version the pinned package knows
#   bash scripts/k8s-check.sh path/to/kustomization-dir ...   # other kustomize directories
#
# Needs: kubectl (its built-in kustomize renders; no cluster is contacted) and python3 with venv.
# The validator lives in an ignored virtualenv, .tools/k8s-venv, installed from PyPI the first
# time and again only when the pins below change; after that the check needs no network.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD

# Exact pins (the validator and everything it imports). Changing any line reinstalls the venv.
KV_REQUIREMENTS="kubernetes-validate==1.37.0
jsonschema==4.26.0
jsonschema-specifications==2025.9.1
referencing==0.37.0
rpds-py==2026.9.1
attrs==26.1.0
PyYAML==6.0.3
packaging==26.3
importlib_resources==7.1.0
typing_extensions==4.16.0"
# The Kubernetes version validated against: the oldest one the manifests support (the preStop
# `sleep` action needs 1.30). kubernetes-validate 1.37.0 bundles schemas for 1.25 to 1.37.
K8S_VERSION=${K8S_VERSION:-1.30.0}
VENV=$ROOT/.tools/k8s-venv
STAMP=$VENV/.herald-k8s-check-stamp

if [ "$#" -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=(k8s/base k8s/overlays/dev)
fi

die() {
    echo "k8s-check: ERROR: $*" >&2
    exit 1
}

command -v kubectl >/dev/null 2>&1 ||
    die "kubectl not found on PATH. Install kubectl (https://kubernetes.io/docs/tasks/tools/ or your distribution's package); it renders the manifests with its built-in kustomize, no cluster needed."
command -v python3 >/dev/null 2>&1 ||
    die "python3 not found on PATH. Install Python 3 with the venv module (Debian: apt-get install python3 python3-venv)."

# --- the validator's virtualenv -----------------------------------------------------------------
want_stamp="$(python3 -c 'import sys; print("python", sys.version.split()[0])')
$KV_REQUIREMENTS"
if [ ! -x "$VENV/bin/kubernetes-validate" ] || [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want_stamp" ]; then
    echo "k8s-check: installing the validator into ${VENV#"$ROOT"/} (pins changed or first run)"
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    python3 -m venv "$VENV" ||
        die "python3 -m venv failed. Install the venv module (Debian: apt-get install python3-venv)."
    printf '%s\n' "$KV_REQUIREMENTS" >"$VENV/requirements.txt"
    "$VENV/bin/python" -m pip install --disable-pip-version-check --no-input --quiet -r "$VENV/requirements.txt" ||
        die "pip could not install $(head -n1 <<<"$KV_REQUIREMENTS") and its pinned dependencies (needs PyPI once)."
    printf '%s\n' "$want_stamp" >"$STAMP"
fi
echo "k8s-check: kubectl $(kubectl version --client 2>/dev/null | head -n1 | sed 's/^Client Version: //'), kubernetes-validate $("$VENV/bin/kubernetes-validate" --version), Kubernetes schemas $K8S_VERSION (strict)"

# --- render, validate, cross-check ---------------------------------------------------------------
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Reference checks the schema cannot do: selectors match pod labels, named ports exist, every
# ConfigMap/Secret a pod reads is in the rendering (except those listed as external).
check_refs() {
    "$VENV/bin/python" - "$@" <<'PY'
import sys, yaml

path, external = sys.argv[1], set(filter(None, sys.argv[2].split(",")))
docs = [d for d in yaml.safe_load_all(open(path)) if d]
have = {(d["kind"], d["metadata"]["name"]) for d in docs}
problems = []

def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())

workloads = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]
for w in workloads:
    name = f'{w["kind"]}/{w["metadata"]["name"]}'
    tmpl = w["spec"]["template"]
    labels = tmpl["metadata"].get("labels", {})
    if not matches(w["spec"]["selector"].get("matchLabels", {}), labels):
        problems.append(f"{name}: spec.selector does not match the pod template's labels")
    for c in tmpl["spec"].get("containers", []) + tmpl["spec"].get("initContainers", []):
        ports = {p.get("name") for p in c.get("ports", [])}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            for action in ("httpGet", "tcpSocket", "grpc"):
                port = c.get(probe, {}).get(action, {}).get("port")
                if isinstance(port, str) and port not in ports:
                    problems.append(f"{name}: {c['name']}.{probe} uses port {port!r}, which the container does not name")
        refs = []
        for e in c.get("envFrom", []):
            if "configMapRef" in e: refs.append(("ConfigMap", e["configMapRef"]["name"]))
            if "secretRef" in e: refs.append(("Secret", e["secretRef"]["name"]))
        for e in c.get("env", []):
            src = e.get("valueFrom", {})
            if "configMapKeyRef" in src: refs.append(("ConfigMap", src["configMapKeyRef"]["name"]))
            if "secretKeyRef" in src: refs.append(("Secret", src["secretKeyRef"]["name"]))
        for kind, ref in refs:
            if (kind, ref) not in have and ref not in external:
                problems.append(f"{name}: {c['name']} reads {kind} {ref!r}, which is not in the rendering")

for d in docs:
    name = f'{d["kind"]}/{d["metadata"]["name"]}'
    if d["kind"] == "Service" and d["spec"].get("selector"):
        pods = [w for w in workloads if matches(d["spec"]["selector"], w["spec"]["template"]["metadata"].get("labels", {}))]
        if not pods:
            problems.append(f"{name}: selector matches no workload in the rendering")
        for p in d["spec"].get("ports", []):
            tp = p.get("targetPort")
            if isinstance(tp, str) and not any(tp == cp.get("name") for w in pods for c in w["spec"]["template"]["spec"]["containers"] for cp in c.get("ports", [])):
                problems.append(f"{name}: targetPort {tp!r} is not a named port of the selected pods")
    if d["kind"] == "PodDisruptionBudget":
        sel = d["spec"]["selector"].get("matchLabels", {})
        if not any(matches(sel, w["spec"]["template"]["metadata"].get("labels", {})) for w in workloads):
            problems.append(f"{name}: selector matches no workload in the rendering")

for p in problems:
    print(f"ERROR {path}: {p}")
if not problems:
    print(f"INFO {path}: references ok ({len(docs)} objects; external: {', '.join(sorted(external)) or 'none'})")
sys.exit(1 if problems else 0)
PY
}

failed=0
for target in "${TARGETS[@]}"; do
    [ -f "$target/kustomization.yaml" ] || die "$target has no kustomization.yaml"
    out="$WORK/$(echo "$target" | tr '/' '_').yaml"
    echo
    echo "== $target"
    if ! kubectl kustomize "$target" >"$out"; then
        echo "k8s-check: FAIL: kubectl kustomize $target" >&2
        failed=1
        continue
    fi
    objects=$("$VENV/bin/python" -c 'import sys, yaml; print(sum(1 for d in yaml.safe_load_all(open(sys.argv[1])) if d))' "$out")
    echo "rendered $objects objects"

    set +e
    report=$("$VENV/bin/kubernetes-validate" --strict -k "$K8S_VERSION" "$out" 2>&1)
    rc=$?
    set -e
    # Show the validator's lines with the temporary file name replaced by the target.
    printf '%s\n' "${report//"$out"/$target}"
    passed=$(grep -c '^INFO ' <<<"$report" || true)
    # kubernetes-validate exits 0 on a WARN (e.g. no schema for a kind or apiVersion, meaning the
    # object was NOT validated): treat anything but an INFO pass for every object as a failure.
    if [ "$rc" -ne 0 ] || grep -qv '^INFO ' <<<"$report" || [ "$passed" -ne "$objects" ]; then
        echo "k8s-check: FAIL: $target: kubernetes-validate exit $rc, $passed of $objects objects passed" >&2
        failed=1
    fi

    # The base leaves the Secret to the operator (k8s/README.md); overlays must bring everything.
    external=""
    case "${target%/}" in base | */base) external=herald-secret ;; esac
    report=$(check_refs "$out" "$external") || failed=1
    printf '%s\n' "${report//"$out"/$target}"
done

echo
if [ "$failed" -ne 0 ]; then
    echo "k8s-check: FAILED" >&2
    exit 1
fi
echo "k8s-check: all manifests valid (${TARGETS[*]})"
