import { BUILT_IN_CONTRACTS, FALLBACK_CONTRACT } from '../plugins/built-in.js';

const contractValues = BUILT_IN_CONTRACTS.map((plugin) => plugin.contract.value).join('|');

export const USAGE: Readonly<Record<string, string>> = {
  main: `gefyra-operator: the cluster side of Gefyra

Usage: gefyra-operator <command> [options]

Commands:
  run         run the operator (in a pod, or against the current kubeconfig)
  manifests   print the install manifests, for \`kubectl apply -f -\`
  reset       remove every intercept, every client connection and Gefyra component (and the operator) from a cluster
  help        show help for a command

Run \`gefyra-operator <command> --help\` for a command's options.
Configuration is read from GEFYRA_* environment variables (see README).`,
  run: `Usage: gefyra-operator run [--kubeconfig PATH]

Runs the operator: installs Stowaway, publishes the connection details,
then turns InterceptRequests into intercepts until stopped (SIGTERM/SIGINT).
Stopping never resets the cluster.

Inside a pod it uses the pod's ServiceAccount; elsewhere --kubeconfig, then
KUBECONFIG, then ~/.kube/config. Health, readiness and metrics are served on
GEFYRA_HEALTH_PORT (default 8080; 0 picks a free port).

With OP_MODE naming a mode a plugin contributes it runs that mode instead:
\`webhook\` serves the admission webhook (HTTPS on GEFYRA_WEBHOOK_PORT, default
9443), as the Gefyra 2.5 client's second Deployment of the same image runs it.`,
  manifests: `Usage: gefyra-operator manifests [--namespace NAME] [--image IMAGE] [--pull-policy POLICY] [--contract ${contractValues}]

Prints the namespace, CRD, least-privilege RBAC and Deployment as YAML:
  gefyra-operator manifests --image registry.example/gefyra-operator:0.1.0 | kubectl apply -f -
--contract chooses the client generation the install is for (default
${FALLBACK_CONTRACT.contract.value}); each brings what its client needs besides (its CRDs, roles
and, where it has one, its admission webhook).`,
  reset: `Usage: gefyra-operator reset --yes [--kubeconfig PATH] [--namespace NAME] [--keep-operator]

Ends every intercept (pods get their original containers back), removes
Stowaway and its services, routes and secrets, and then the operator itself
(its namespace, CRD and RBAC) unless --keep-operator is given. Runs with
your own credentials, so it works even when the operator does not.
--yes is required: this is not reversible.`,
};
