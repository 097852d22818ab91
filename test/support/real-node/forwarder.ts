import { connect, createServer, type NetConnectOpts, type Server } from 'node:net';

/**
 * A server that joins each connection to a new one made with `upstream`
 * (a TCP port or a unix socket), both ends closed together. Unix sockets cross
 * network namespaces where TCP ports do not: the API server inside the node's
 * namespace is reached from the host through one.
 */
export function forwardingServer(upstream: NetConnectOpts): Server {
  return createServer((client) => {
    const target = connect(upstream);
    client.pipe(target).pipe(client);
    const close = (): void => {
      client.destroy();
      target.destroy();
    };
    client.on('error', close).on('close', close);
    target.on('error', close).on('close', close);
  });
}
