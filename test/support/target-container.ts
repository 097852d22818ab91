/**
 * The container a developer intercepts, the same for the in-memory scenarios
 * and the tests on the real API server: serves 8080, with HTTP probes (8080 is
 * routed, 8081 is not).
 */
export function targetContainerFields() {
  return {
    name: 'web',
    image: 'shop/web:1.0',
    command: ['/app/server'],
    args: ['--port', '8080'],
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
    livenessProbe: { httpGet: { path: '/health', port: 8081 } },
  };
}
