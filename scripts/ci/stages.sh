#!/usr/bin/env bash
# Run make targets one after another, print how long each took, stop at the first failure.
#   scripts/ci/stages.sh lint pytest dbt-fixture ...
set -uo pipefail
declare -a names=() times=() states=()
overall=0
start_all=$(date +%s)
for stage in "$@"; do
  echo
  echo "==================== stage: ${stage} ===================="
  t0=$(date +%s)
  if make --no-print-directory "${stage}"; then state=ok; else state=FAILED; overall=1; fi
  t1=$(date +%s)
  names+=("${stage}"); times+=("$((t1 - t0))"); states+=("${state}")
  echo "==================== ${stage}: ${state} in $((t1 - t0)) s ===================="
  [ "${state}" = ok ] || break
done
echo
echo "Stage timings"
for i in "${!names[@]}"; do
  printf '  %-22s %-7s %6d s\n' "${names[$i]}" "${states[$i]}" "${times[$i]}"
done
printf '  %-22s %-7s %6d s\n' "total" "$([ ${overall} = 0 ] && echo ok || echo FAILED)" "$(( $(date +%s) - start_all ))"
exit ${overall}
