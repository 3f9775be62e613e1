import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createMetricsRegistry, serveMetrics } from '../src/metrics.js';

test('/healthz and /readyz answer what the service says of itself', async () => {
  let healthy = true;
  let ready = false;
  const server = await serveMetrics(createMetricsRegistry({ service: 't' }), {
    port: 0,
    healthy: () => healthy,
    ready: () => ready,
  });
  const status = async (path: string) => (await fetch(`http://127.0.0.1:${server.port}${path}`)).status;
  try {
    assert.equal(await status('/healthz'), 200);
    assert.equal(await status('/readyz'), 503);
    ready = true;
    assert.equal(await status('/readyz'), 200);
    // A stage whose consumer died for good must not look alive to its supervisor.
    healthy = false;
    assert.equal(await status('/healthz'), 503);
    assert.equal(await status('/metrics'), 200);
  } finally {
    await server.close();
  }
});
