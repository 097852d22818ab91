export const USAGE: Readonly<Record<string, string>> = {
  main: `gefyra-operator: the cluster side of Gefyra

Usage: gefyra-operator <command> [options]

Commands:
  run         run the operator (in a pod, or against the current kubeconfig)
  manifests   print the install manifests, for \`kubectl apply -f -\`
  reset       remove every intercept (2.x: every GefyraClient) and Gefyra component (and the operator) from a cluster
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

With OP_MODE=webhook it serves the Gefyra 2.x admission webhook instead
(HTTPS on GEFYRA_WEBHOOK_PORT, default 9443), as the Gefyra 2.5 client's
second Deployment of the same image runs it.`,
  manifests: `Usage: gefyra-operator manifests [--namespace NAME] [--image IMAGE] [--pull-policy POLICY] [--contract 0.13|2]

Prints the namespace, CRD, least-privilege RBAC and Deployment as YAML:
  gefyra-operator manifests --image registry.example/gefyra-operator:0.1.0 | kubectl apply -f -
With --contract 2, for the Gefyra 2.x client: also its three CRDs, the
gefyra-client ClusterRole and the admission webhook (Deployment with
OP_MODE=webhook, Service gefyra-admission, ValidatingWebhookConfiguration).`,
  reset: `Usage: gefyra-operator reset --yes [--kubeconfig PATH] [--namespace NAME] [--keep-operator]

Ends every intercept (pods get their original containers back), removes
Stowaway and its services, routes and secrets, and then the operator itself
(its namespace, CRD and RBAC) unless --keep-operator is given. Runs with
your own credentials, so it works even when the operator does not.
--yes is required: this is not reversible.`,
};
