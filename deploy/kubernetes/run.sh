#!/bin/sh
# Runs a sharded fleet deploy on Kubernetes and exits with the fleet's exit code:
#   1. the fleet Job (fleet-job.yaml): N shards at once, each writing its report;
#   2. waits until every shard has finished, successfully or not;
#   3. the merge Job (merge-job.yaml) over that run's reports; prints its summary.
# Needs kubectl with a context for the target namespace, the r1-credentials Secret and the
# r1-fleet ConfigMap (see deploy/README.md).
set -eu
here=$(dirname "$0")
timeout=${R1_FLEET_TIMEOUT:-2h}

# Waits until Job $1 is Complete or Failed (a Job ends one way or the other), at most $2.
wait_ended() {
    kubectl wait "job/$1" --for=condition=Complete --timeout="$2" >/dev/null 2>&1 &
    complete=$!
    kubectl wait "job/$1" --for=condition=Failed --timeout="$2" >/dev/null 2>&1 &
    failed=$!
    while kill -0 "$complete" 2>/dev/null && kill -0 "$failed" 2>/dev/null; do sleep 5; done
    kill "$complete" "$failed" 2>/dev/null || true
}

kubectl delete job r1-fleet r1-merge --ignore-not-found --wait=true
kubectl apply -f "$here/fleet-job.yaml"
uid=$(kubectl get job r1-fleet -o jsonpath='{.metadata.uid}')
wait_ended r1-fleet "$timeout"

kubectl set env --local -f "$here/merge-job.yaml" "FLEET_UID=$uid" -o yaml | kubectl apply -f -
wait_ended r1-merge 10m
kubectl logs job/r1-merge
code=$(kubectl get pods -l batch.kubernetes.io/job-name=r1-merge \
    -o jsonpath='{.items[0].status.containerStatuses[0].state.terminated.exitCode}')
echo "r1 fleet: exit ${code:-unknown} (reports in /reports/$uid on the r1-reports volume)"
exit "${code:-70}"
