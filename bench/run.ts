/**
 * `npm run bench`: speed and accuracy figures, each next to a baseline measured in the same run. Nothing here
 * passes or fails; the test suite never times anything.
 */
import os from 'node:os';
import { benchImport } from './import';

type Bench = { name: string; load: () => Promise<() => Promise<void>> };

// Sections by other parts of the pipeline register here; a section whose module is absent is reported, not fatal.
const SECTIONS: Bench[] = [
  { name: 'import', load: async () => benchImport },
  { name: 'models', load: async () => (await import('./models')).benchModels },
  { name: 'imaging', load: async () => (await import('./imaging')).benchImaging },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  process.stdout.write(`Sightline benchmarks — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`);
  for (const s of SECTIONS) {
    if (only.length && !only.includes(s.name)) continue;
    let run: () => Promise<void>;
    try {
      run = await s.load();
    } catch (e) {
      process.stdout.write(`\n== ${s.name}: not available (${(e as Error).message.split('\n')[0]}) ==\n`);
      continue;
    }
    await run();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
