/**
 * `npm run bench`: speed and accuracy figures, each next to a baseline measured in the same run. Nothing here
 * passes or fails; the test suite never times anything.
 */
import os from 'node:os';
import { benchAnalysis, benchAnalysisQuality } from './analysis';
import { benchDetectors } from './detectors';
import { benchShotCuts } from './shotCuts';
import { faceCheckFit } from './faceCheckFit';
import { calibrateTracking } from './calibrateTracking';
import { benchEnhance } from './enhance';
import { benchIdentify } from './identify';
import { benchImaging } from './imaging';
import { benchImport } from './import';
import { benchImportMemory } from './importMemory';
import { benchModels } from './models';
import { benchRealFaces } from './realFaces';
import { benchUi } from './ui';
import { benchRealLabels } from './realLabelsBaseline';

type Bench = { name: string; run: () => Promise<void>; onlyWhenNamed?: boolean };

// Each part of the pipeline adds its section here; `npm run bench -- NAME…` runs only those.
const SECTIONS: Bench[] = [
  { name: 'import', run: benchImport },
  // Minutes on first use (it encodes a 6-hour clip once); run it alone with `npm run bench -- import-memory`.
  { name: 'import-memory', run: benchImportMemory },
  { name: 'models', run: benchModels },
  { name: 'analysis', run: benchAnalysis },
  { name: 'analysis-quality', run: benchAnalysisQuality },
  { name: 'detectors', run: () => benchDetectors() },
  { name: 'shot-cuts', run: benchShotCuts },
  { name: 'face-check', run: () => faceCheckFit() },
  // LFW calibration of the tracker's gates: ~40 min on 2 busy cores; only when asked for by name.
  { name: 'tracking-calibration', run: async () => void (await calibrateTracking()), onlyWhenNamed: true },
  { name: 'imaging', run: benchImaging },
  { name: 'enhance', run: benchEnhance },
  // Not in the default run (it analyses four real clips: ~30 min on two cores); `npm run bench -- realfaces`.
  { name: 'realfaces', run: benchRealFaces, onlyWhenNamed: true },
  // Needs the renderer built and Chromium; `npm run bench -- ui`.
  { name: 'ui', run: benchUi, onlyWhenNamed: true },
  { name: 'real-labels', run: benchRealLabels },
  { name: 'identify', run: benchIdentify },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  process.stdout.write(`Sightline benchmarks — ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, Node ${process.version}, ${new Date().toISOString()}\n`);
  for (const s of SECTIONS) {
    if (only.length ? !only.includes(s.name) : s.onlyWhenNamed) continue;
    await s.run();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
});
