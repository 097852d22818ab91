import type { KubeConfig } from '@kubernetes/client-node';
import { request } from 'node:https';

export interface TableView {
  /** Column names, priority-1 columns (`-o wide`) included. */
  readonly columns: readonly string[];
  /** One row per object: cells by column name. */
  readonly rows: readonly Readonly<Record<string, unknown>>[];
}

/**
 * Lists a resource the way `kubectl get` does: asking the API server for a
 * meta.k8s.io Table, so the CRD's printer columns are what is tested.
 */
export async function readTable(kubeConfig: KubeConfig, path: string): Promise<TableView> {
  const server = kubeConfig.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('the kubeconfig names no cluster');
  const options: Parameters<typeof request>[1] = {
    method: 'GET',
    headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' },
  };
  await kubeConfig.applyToHTTPSOptions(options);
  const body = await new Promise<string>((resolve, reject) => {
    const req = request(new URL(path, server), options, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () =>
        response.statusCode === 200 ? resolve(text) : reject(new Error(`GET ${path}: ${response.statusCode} ${text}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
  const table = JSON.parse(body) as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
  const columns = table.columnDefinitions.map((column) => column.name);
  return {
    columns,
    rows: table.rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row.cells[index]]))),
  };
}
