// Manual soak: the CI soak for longer and with more clients. Usage: node --import tsx bench/soak.ts [seconds] [clients]
import { runSoak } from "../test/reliability/soak-harness.js";

const seconds = Number(process.argv[2] ?? "120");
const clients = Number(process.argv[3] ?? "64");
const r = await runSoak({ durationMs: seconds * 1000, clients });
process.stdout.write(
  `${r.requests} requests (${r.notModified} 304) by ${clients} clients in ${(r.durationMs / 1000).toFixed(1)} s, ` +
    `${r.switches} revision switches, ${r.status5xx} 5xx, ${r.mismatches.length} wrong answers, ` +
    `heap after GC ${r.heapStartMb.toFixed(1)} MB → ${r.heapEndMb.toFixed(1)} MB\n`,
);
for (const m of r.mismatches.slice(0, 20)) process.stdout.write(`  ${m}\n`);
process.exitCode = r.status5xx === 0 && r.mismatches.length === 0 ? 0 : 1;
