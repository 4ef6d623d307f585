#!/usr/bin/env bash
# Measures a no-op `terraform plan` as the yardstick for rediskit's: one
# terraform_data resource (built into Terraform, so no provider is
# downloaded), applied, then planned RUNS times. Prints the median and
# worst wall time, or "terraform not installed".
#
#   scripts/bench-terraform.sh [RUNS]      (default 20)
set -euo pipefail
runs=${1:-20}
if ! command -v terraform >/dev/null; then
  echo "terraform not installed"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0
cat > main.tf <<'TF'
resource "terraform_data" "redis" {
  input = "channels"
}
TF
terraform init -no-color >/dev/null 2>&1
terraform apply -auto-approve -no-color >/dev/null 2>&1
terraform plan -detailed-exitcode -no-color >/dev/null 2>&1 # fails the script if not a no-op

times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  terraform plan -detailed-exitcode -no-color >/dev/null 2>&1
  times+=($(( ($(date +%s%N) - start) / 1000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
median=${sorted[$(( runs / 2 ))]}
worst=${sorted[$(( runs - 1 ))]}
printf 'no-op terraform plan (%s), %d runs: median %d.%03d ms, worst %d.%03d ms\n' \
  "$(terraform version 2>/dev/null | head -1)" "$runs" $((median / 1000)) $((median % 1000)) $((worst / 1000)) $((worst % 1000))
