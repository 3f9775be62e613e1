// The Elasticsearch client and the one I/O function the sink uses.
import { Client } from '@elastic/elasticsearch';
import type { Logger } from '@lrstream/runtime';
import { isRetryableRequestError } from './bulk.js';
import type { BulkFn } from './sink.js';

export function createElasticsearch(options: { url: string; requestTimeoutMs: number }): Client {
  // One transport-level retry at most: backoff and retry belong to the stage loop, which does not
  // commit meanwhile, so a long outage pauses the consumer instead of failing records.
  return new Client({ node: options.url, requestTimeout: options.requestTimeoutMs, maxRetries: 1 });
}

export function bulkWith(client: Client): BulkFn {
  // include_source_on_error=false: parse errors must not echo the document back (the reason ends
  // up in a dead letter and in logs).
  return (lines) => client.bulk({ operations: lines, include_source_on_error: false });
}

/** Waits until the cluster answers at all (a single-node cluster may stay yellow). */
export async function waitForElasticsearch(client: Client, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 250;
  for (;;) {
    try {
      await client.cluster.health();
      return;
    } catch (err) {
      if (!isRetryableRequestError(err) || Date.now() + delay > deadline) throw err;
      log.warn({ delayMs: delay }, 'Elasticsearch is not answering yet; retrying.');
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 5_000);
    }
  }
}
