import { beforeAll, describe, expect, it } from 'vitest';
import { originalBody } from '../support/control-plane/data-plane/container-images.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { useTestNamespace } from '../support/control-plane/vitest.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  waitForEstablished,
} from '../e2e/support/intercept-requests.js';
import { createTargetPod, webContainer } from '../e2e/support/target-pods.js';
import { fileIn, occurrences as count } from './support/container-files.js';
import { dataPlaneUnavailable, useDataPlaneEnvironment } from './support/data-plane-environment.js';

// Bytes really flow: pods are processes in network namespaces, Carrier and
// Stowaway are nginx with scripts of the same argv and semantics as the real
// ones, and the developer's machine reaches Stowaway through a real WireGuard
// tunnel. See "The data-plane tier" in the README.
describe.skipIf(dataPlaneUnavailable())('traffic through an intercept, on the wire', () => {
  const env = useDataPlaneEnvironment();

  beforeAll(async () => {
    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
    await env.connectDeveloperMachine([8000, 9000]);
  });

  const carrierConfig = async (namespace: string, pod: string): Promise<string> =>
    await fileIn(env.plane(), { namespace, pod, container: 'web' }, '/etc/nginx/nginx.conf');

  describe('one intercept', () => {
    const shop = useTestNamespace('dp-shop');
    const target = { namespace: '', pod: 'web-1', container: 'web' };
    let podIP = '';

    beforeAll(async () => {
      Object.assign(target, { namespace: shop.name });
      podIP =
        (await createTargetPod(env.admin(), env.node, { namespace: shop.name, name: target.pod })).status?.podIP ?? '';
    });

    it("answers from the developer's machine through the tunnel, and from the original container again after the delete", async () => {
      await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));

      await createInterceptRequest(env.admin(), target, { portMappings: ['8080:8000'] });
      await waitForEstablished(env.admin(), clientRequestName(target));
      await env.waitForAnswer(podIP, 8080, developerBody(8000));
      const config = await carrierConfig(shop.name, target.pod);
      expect(count(config, /upstream stowaway-8080 /)).toBe(1);

      await deleteInterceptRequest(env.admin(), clientRequestName(target));
      await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));
    });

    it("answers probes on the probe port while the routed port reaches the developer's machine", async () => {
      await createInterceptRequest(env.admin(), target, { portMappings: ['8080:8000'], handleProbes: true });
      await waitForEstablished(env.admin(), clientRequestName(target));
      await env.waitForAnswer(podIP, 8080, developerBody(8000));
      // The liveness probe's port (8081) is answered by Carrier (200, empty body); the routed port gets no probe answer.
      // `nginx -s reload` returns before nginx binds the port: the answer may come just after `established`.
      await env.waitForAnswer(podIP, 8081, '', '/health');
      const config = await carrierConfig(shop.name, target.pod);
      expect(count(config, /listen 8081 default/)).toBe(1);
      expect(count(config, /listen 8080 default/)).toBe(0);

      await deleteInterceptRequest(env.admin(), clientRequestName(target));
      await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));
    });
  });

  describe('two intercepts on two ports of one pod', () => {
    const shop = useTestNamespace('dp-two');
    const web = { namespace: '', pod: 'pair-1', container: 'web' };
    const api = { namespace: '', pod: 'pair-1', container: 'api' };
    let podIP = '';

    beforeAll(async () => {
      Object.assign(web, { namespace: shop.name });
      Object.assign(api, { namespace: shop.name });
      const containers = [
        webContainer(),
        webContainer({
          name: 'api',
          image: 'shop/api:1.0',
          ports: [{ containerPort: 9090, protocol: 'TCP' }],
          readinessProbe: undefined,
          livenessProbe: undefined,
        }),
      ];
      podIP =
        (await createTargetPod(env.admin(), env.node, { namespace: shop.name, name: web.pod, containers })).status
          ?.podIP ?? '';
    });

    it("routes each port to its own destination port on the developer's machine, and both come back after the deletes", async () => {
      await createInterceptRequest(env.admin(), web, { portMappings: ['8080:8000'], handleProbes: false });
      await createInterceptRequest(env.admin(), api, { portMappings: ['9090:9000'], handleProbes: false });
      await waitForEstablished(env.admin(), clientRequestName(web));
      await waitForEstablished(env.admin(), clientRequestName(api));
      await env.waitForAnswer(podIP, 8080, developerBody(8000));
      await env.waitForAnswer(podIP, 9090, developerBody(9000));

      await deleteInterceptRequest(env.admin(), clientRequestName(web));
      await env.waitForAnswer(podIP, 8080, originalBody(web.pod, 'web', 8080));
      await env.waitForAnswer(podIP, 9090, developerBody(9000));
      await deleteInterceptRequest(env.admin(), clientRequestName(api));
      await env.waitForAnswer(podIP, 9090, originalBody(api.pod, 'api', 9090));
    });
  });
});
