// The anonymize service: identified xAPI -> anonymized xAPI under a privacy policy (policy file or
// preset, validated at start-up) with the active key of a key ring.
import { startStageService, type RunningService } from '@lrstream/kafka';
import { createMetricsRegistry, loadConfig } from '@lrstream/runtime';
import type { XapiStatement } from '@lrstream/schemas';
import { ANONYMIZE_CONFIG } from './config.js';
import { loadAccountLinks, loadKeyRing } from './keys.js';
import { createPrivacyMetrics } from './metrics.js';
import { loadPolicy } from './policy.js';
import { anonymizeRecord } from './process.js';

export async function startAnonymize(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningService & { policy: string; keyId: string }> {
  const config = loadConfig(ANONYMIZE_CONFIG, env);
  const policy = loadPolicy(config);
  const { active: key, keys } = loadKeyRing(config);
  const links = loadAccountLinks(config.accountLinksFile);
  const registry = createMetricsRegistry({ service: 'anonymize' });
  const privacy = createPrivacyMetrics(registry);
  const running = await startStageService<XapiStatement>(config, {
    stage: 'anonymize',
    input: 'xapiIdentified',
    outputs: ['xapiAnonymized'],
    deadLetter: 'deadLetterIdentified',
    registry,
    process: async (records) =>
      records.map((r) => {
        const { outcome, report } = anonymizeRecord(r, { policy, key, links });
        if (report) privacy.record(report);
        return outcome;
      }),
    describe: {
      policy: policy.id,
      strict: policy.strict,
      keyId: key.id,
      keyRing: [...keys.keys()],
      accountLinks: links?.size ?? 0,
    },
  });
  return { ...running, policy: policy.id, keyId: key.id };
}
