// What the stack manager needs to know about each piece of infrastructure.
import type { StackConfig } from '../config.js';
import type { Say } from '../fetch.js';

export interface Component {
  name: 'kafka' | 'registry' | 'elasticsearch' | 'prometheus' | 's3';
  /** Folder of this component's data, configuration, log and pid file. */
  dir: string;
  logFile: string;
  pidFile: string;
  /** Fetches what is missing and writes configuration. Synchronous and idempotent. */
  prepare(say: Say): void;
  /** Starts the process group; returns its pid. */
  start(): number;
  /** True once the component answers as it should. Never throws. */
  healthy(): Promise<boolean>;
  url: string;
}

export type ComponentFactory = (config: StackConfig) => Component;

/** A GET that resolves to the response (or undefined on any network error), with a timeout. */
export async function probe(url: string, timeoutMs = 2000): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
}

/** The java binary: JAVA_HOME's when set, else the one on PATH. */
export function javaBinary(config: StackConfig): string {
  return config.javaHome ? `${config.javaHome}/bin/java` : 'java';
}
