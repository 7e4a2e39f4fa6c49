/**
 * Identification from the command line: the gallery (`gallery add|import|list|rename|retire|reinstate`),
 * `identify`, `appearances`, `alerts`, `conclude` and the gate's thresholds (`identify-gate`). Jobs run in this
 * process's queue and worker pool with a progress bar; Ctrl-C cancels. Every candidate list is printed with
 * "investigative lead, not an identification".
 */
import type { CliContext, Command } from '../command';
import type { CaseHandle } from '../../../core/case';
import { followUpJobs } from '../../../core/followUps';
import { listAlerts, reviewAlert, unreviewedAlertCount, type WatchlistAlert } from '../../../core/identify/alerts';
import type { AppearanceSearch } from '../../../core/identify/appearances';
import { getGateSettings, setGate } from '../../../core/identify/common';
import { listConclusions, recordConclusion, type Conclusion } from '../../../core/identify/conclusions';
import { findPerson, folderEnrolments, listPeople, renamePerson, setPersonStatus, type GalleryPerson } from '../../../core/identify/gallery';
import { getIdentification, type Identification } from '../../../core/identify/identifications';
import { derivedPath } from '../../../core/derived';
import { evidenceFile, getEvidence } from '../../../core/evidence';
import type { AppJobKind, AppJobs } from '../../../core/jobKinds';
import { hasSucceeded, type Job, type JobOf, type SucceededJob } from '../../../core/jobs';
import { CONCLUSION_SCALE, CONCLUSION_SCALE_SOURCE, conclusionLevel, LEAD_NOT_IDENTIFICATION } from '../../../domain/identify';
import { SightlineError, cancelled } from '../../../domain/errors';
import { EXIT } from '../exitCodes';
import { fraction, positiveInt, resolveTrack, runJobInProcess, shortHash, str, withCase, withOwnQueue } from './shared';

/** The required `--track` option as a track id (shared.ts `resolveTrack`). */
function trackOption(c: CaseHandle, raw: string | undefined): number {
  if (raw === undefined) throw new SightlineError('INVALID_INPUT', '--track is required (a track id, or EVIDENCE/N as `sightline tracks` numbers them)');
  return resolveTrack(c, raw);
}

/** Run several jobs through one queue of this process (one worker pool for all), each reported as it ends. */
async function runJobs<K extends AppJobKind>(c: CaseHandle, ctx: CliContext, kind: K, items: ReadonlyArray<AppJobs[K]['input']>, label: (i: number) => string): Promise<Array<{ job: JobOf<AppJobs, K> }>> {
  const jobs: Array<JobOf<AppJobs, K>> = [];
  return withOwnQueue(
    c,
    ctx,
    (q) => {
      for (const j of jobs) q.cancel(j.id);
    },
    async (q) => {
      let n = 0;
      q.on('progress', () => ctx.progress({ stage: kind, current: n, total: items.length, unit: 'photos' }));
      for (const it of items) jobs.push(q.enqueue(kind, it));
      const out: Array<{ job: JobOf<AppJobs, K> }> = [];
      for (let i = 0; i < jobs.length; i++) {
        const done = await q.waitFor(jobs[i]!);
        n++;
        ctx.progressDone();
        if (done.state === 'cancelled' || ctx.signal.aborted) throw cancelled(kind);
        if (!hasSucceeded(done) && !ctx.json) process.stderr.write(`sightline: ${label(i)}: ${done.lastError?.message ?? done.state}\n`);
        out.push({ job: done });
      }
      return out;
    },
  );
}

function describePerson(p: GalleryPerson): string {
  const refs = p.references.map((r) => `    reference #${r.id}  ${r.originalName}  face ${Math.round(r.face.box.w)} px  quality ${r.quality.toFixed(2)}  sha256 ${shortHash(r.evidenceSha256)}`);
  return [`#${p.id}  ${p.name}${p.status === 'retired' ? '  (RETIRED)' : ''}  ${p.references.length} reference(s)${p.note ? `  — ${p.note}` : ''}`, ...refs].join('\n');
}

function pct(v: number): string {
  return v.toFixed(3);
}

/** The candidate list as every command prints it, with the caveat first. */
export function describeIdentification(i: Identification, c: CaseHandle): string {
  const t = i.template;
  const e = getEvidence(c, t.evidenceId);
  const what = t.kind === 'enhancement' ? `enhancement ${t.enhancementId}` : t.kind === 'frames' ? `${t.frames.length} chosen frame(s)` : `template of ${t.frames.length} frame(s)`;
  const lines = [
    `identification ${i.id} (${i.purpose})  track ${t.trackId} of evidence #${e.id} ${e.originalName}: ${what}, face ${t.faceWidth.toFixed(0)} px (band ${i.calibration.bandLabel}), probe quality ${t.quality.toFixed(3)}`,
    `INVESTIGATIVE LEAD, NOT AN IDENTIFICATION. ${LEAD_NOT_IDENTIFICATION}`,
    `gallery: ${i.gallery.people} active people, ${i.gallery.references} reference photos; gate: quality > ${i.gate.thresholds.minQuality} and similarity > ${i.gate.thresholds.minSimilarity}`,
    ` rank  person                      score   similarity  FMR at score  LR (same/different)    gate`,
    ...i.candidates.map(
      (x) =>
        ` ${String(x.rank).padStart(4)}  ${`${x.name} (#${x.personId})`.padEnd(26).slice(0, 26)}  ${pct(x.score)}  ${pct(x.similarity).padStart(10)}  ${x.fmr.text.padStart(12)}  ${x.lr.text.padStart(10)} (${x.lr.verbal.replace(' for the same person', '').replace(' for different people', ' (different)')})  ${x.gate.passes ? 'CANDIDATE ABOVE THRESHOLD' : 'below threshold — shown for completeness'}`,
    ),
    `frames (weight, quality): ${t.frames.map((f) => `${f.frame} (${f.weight.toFixed(2)}, ${f.quality.toFixed(2)})`).join(', ')}`,
    `model ${i.model.id} sha256 ${i.model.sha256}`,
    `calibration ${i.calibration.id} sha256 ${i.calibration.sha256}: ${i.calibration.reference}`,
  ];
  return lines.join('\n');
}

function describeAlert(a: WatchlistAlert): string {
  const x = a.candidate;
  return `alert ${a.id}${a.reviews.length ? '' : ' (new)'}  evidence #${a.evidenceId} ${a.originalName} track ${a.ordinal} (frames ${a.firstFrame}–${a.lastFrame}, best ${a.bestFrame})  →  ${x.name} (#${x.personId})  score ${pct(x.score)}  similarity ${pct(x.similarity)}  FMR ${x.fmr.text}  LR ${x.lr.text}  identification ${a.identificationId}  ${a.createdAt}`;
}

function describeConclusion(k: Conclusion): string {
  return `conclusion ${k.id}  ${k.role}${k.blind ? ' (blind)' : ''} by ${k.examiner} ${k.createdAt}: ${k.levelText}${k.note ? ` — ${k.note}` : ''}  [software: score ${pct(k.software.score)}, FMR ${k.software.fmr.text}, LR ${k.software.lr.text}]`;
}

/** After an analysis run: the follow-up jobs (the watchlist comparison), and the alerts they raised. */
export async function runFollowUps(c: CaseHandle, ctx: CliContext, job: Job): Promise<WatchlistAlert[]> {
  const alerts: WatchlistAlert[] = [];
  for (const f of followUpJobs(c, job)) {
    const done = await runJobInProcess(c, ctx, f.kind, f.params);
    alerts.push(...done.result.alerts);
  }
  return alerts;
}

export function describeAlerts(alerts: readonly WatchlistAlert[]): string {
  return alerts.length ? [`${alerts.length} watchlist alert(s) — ${LEAD_NOT_IDENTIFICATION.split(':')[0]}:`, ...alerts.map((a) => `  ${describeAlert(a)}`)].join('\n') : 'watchlist: no track passed the gate';
}

// ───────────────────────────── gallery ─────────────────────────────

export const galleryAdd: Command = {
  path: ['gallery', 'add'],
  summary: 'enrol reference photos of a person (imported like evidence: hashed, read-only, audited)',
  usage: 'gallery add DIR --person NAME [--note TEXT] [--face N] IMAGE...',
  positionals: [2, 500],
  options: { person: { type: 'string' }, note: { type: 'string' }, face: { type: 'string' } },
  async run([dir, ...files], values, ctx) {
    const person = str(values, 'person');
    if (person === undefined) throw new SightlineError('INVALID_INPUT', '--person NAME is required');
    const face = positiveInt(str(values, 'face'), '--face', 1000);
    return withCase(dir!, values, async (c) => {
      const results = await runJobs(c, ctx, 'enrol', files.map((path) => ({ path, person, note: str(values, 'note') ?? null, ...(face ? { faceIndex: face - 1 } : {}) })), (i) => files[i]!);
      const ok = results.filter((r) => hasSucceeded(r.job));
      ctx.print(
        { ok: ok.length === results.length, results: results.map((r, i) => ({ file: files[i], ok: hasSucceeded(r.job), ...(hasSucceeded(r.job) ? { enrolled: r.job.result } : { error: r.job.lastError }) })) },
        () =>
          ok
            .map((r) => {
              const res = (r.job as SucceededJob<AppJobs, 'enrol'>).result;
              return `enrolled ${res.reference.originalName} as reference #${res.reference.id} of ${res.person.name} (#${res.person.id}${res.newPerson ? ', new' : ''}): face ${Math.round(res.reference.face.box.w)} px, quality ${res.reference.quality.toFixed(3)}, sha256 ${res.reference.evidenceSha256}`;
            })
            .join('\n'),
      );
      return ok.length === results.length ? EXIT.ok : EXIT.failed;
    });
  },
};

export const galleryImport: Command = {
  path: ['gallery', 'import'],
  summary: 'enrol a folder with one sub-folder per person (the sub-folder names the person)',
  usage: 'gallery import DIR FOLDER',
  positionals: [2, 2],
  async run([dir, folder], values, ctx) {
    const { items, skipped } = folderEnrolments(folder!);
    return withCase(dir!, values, async (c) => {
      const results = await runJobs(c, ctx, 'enrol', items.map((it) => ({ path: it.path, person: it.person })), (i) => items[i]!.path);
      const ok = results.filter((r) => hasSucceeded(r.job)).length;
      ctx.print(
        { ok: ok === results.length, enrolled: ok, failed: results.length - ok, skipped, results: results.map((r, i) => ({ file: items[i]!.path, person: items[i]!.person, ok: hasSucceeded(r.job), error: r.job.lastError })) },
        () => [`enrolled ${ok} of ${results.length} photo(s) of ${new Set(items.map((x) => x.person)).size} people`, ...skipped.map((s) => `skipped ${s}`)].join('\n'),
      );
      return ok === results.length ? EXIT.ok : EXIT.failed;
    });
  },
};

export const galleryList: Command = {
  path: ['gallery', 'list'],
  summary: 'the gallery: people, their reference photos with face size and quality (retired people marked)',
  usage: 'gallery list DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    await withCase(dir!, values, (c) => {
      const people = listPeople(c);
      ctx.print({ ok: true, people }, () => (people.length ? people.map(describePerson).join('\n') : 'The gallery is empty (sightline gallery add DIR --person NAME PHOTO).'));
    });
  },
};

export const galleryRename: Command = {
  path: ['gallery', 'rename'],
  summary: 'rename a person (audited, with a reason)',
  usage: 'gallery rename DIR PERSON --name NEW --reason TEXT',
  positionals: [2, 2],
  options: { name: { type: 'string' }, reason: { type: 'string' } },
  async run([dir, who], values, ctx) {
    await withCase(dir!, values, (c) => {
      const p = renamePerson(c, findPerson(c, who!).id, str(values, 'name') ?? '', str(values, 'reason') ?? '');
      ctx.print({ ok: true, person: p }, () => `renamed: ${describePerson(p)}`);
    });
  },
};

function statusCommand(word: 'retire' | 'reinstate'): Command {
  return {
    path: ['gallery', word],
    summary: word === 'retire' ? 'retire a person: left out of every search, never deleted (audited, with a reason)' : 'reinstate a retired person (audited, with a reason)',
    usage: `gallery ${word} DIR PERSON --reason TEXT`,
    positionals: [2, 2],
    options: { reason: { type: 'string' } },
    async run([dir, who], values, ctx) {
      await withCase(dir!, values, (c) => {
        const p = setPersonStatus(c, findPerson(c, who!).id, word === 'retire' ? 'retired' : 'active', str(values, 'reason') ?? '');
        ctx.print({ ok: true, person: p }, () => `${word === 'retire' ? 'retired' : 'reinstated'}: ${describePerson(p)}`);
      });
    },
  };
}

export const galleryRetire = statusCommand('retire');
export const galleryReinstate = statusCommand('reinstate');

// ───────────────────────────── identify, appearances, alerts ─────────────────────────────

function framesOption(raw: string | undefined): number[] | undefined {
  if (raw === undefined) return undefined;
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p))) throw new SightlineError('INVALID_INPUT', `--frames must be frame numbers separated by commas, got ${JSON.stringify(raw)}`);
  return parts.map(Number);
}

export const identifyCmd: Command = {
  path: ['identify'],
  summary: "search a track's template (or chosen frames, or an enhancement) against the gallery: ranked candidates with score, FMR and LR (audited)",
  usage: 'identify DIR --track ID|EVIDENCE/N [--frames 3,7,12 | --enhancement ID] [--top K]',
  positionals: [1, 1],
  options: { track: { type: 'string' }, frames: { type: 'string' }, enhancement: { type: 'string' }, top: { type: 'string' } },
  async run([dir], values, ctx) {
    const frames = framesOption(str(values, 'frames'));
    const enhancementId = positiveInt(str(values, 'enhancement'), '--enhancement');
    const topK = positiveInt(str(values, 'top'), '--top', 100);
    if (frames && enhancementId) throw new SightlineError('INVALID_INPUT', 'give --frames or --enhancement, not both');
    await withCase(dir!, values, async (c) => {
      const trackId = trackOption(c, str(values, 'track'));
      const done = await runJobInProcess(c, ctx, 'identify', { trackId, ...(frames ? { frames } : {}), ...(enhancementId ? { enhancementId } : {}), ...(topK ? { topK } : {}) });
      const ident = done.result;
      ctx.print({ ok: true, identification: ident }, () => describeIdentification(ident, c));
    });
  },
};

function describeAppearances(a: AppearanceSearch): string {
  const above = a.results.filter((r) => r.gate.passes);
  return [
    `appearance search ${a.id}: track ${a.trackId} against ${a.tracksSearched} other track(s) of the case`,
    a.caveat,
    ...(above.length ? above : a.results.slice(0, 5)).map(
      (r) =>
        `  ${r.gate.passes ? 'APPEARANCE' : 'below    '}  evidence #${r.evidenceId} ${r.originalName}  track ${r.ordinal} (id ${r.trackId})  frames ${r.firstFrame}–${r.lastFrame}, best ${r.bestFrame}  score ${pct(r.score)}  similarity ${pct(r.similarity)}${r.simultaneous ? '  (same time as the query)' : ''}`,
    ),
    above.length ? `${above.length} track(s) above the gate` : 'no track passed the gate (the best are shown for completeness)',
  ].join('\n');
}

export const appearancesCmd: Command = {
  path: ['appearances'],
  summary: 'find where a track\'s person appears in every analysed clip of the case (audited)',
  usage: 'appearances DIR --track ID|EVIDENCE/N',
  positionals: [1, 1],
  options: { track: { type: 'string' } },
  async run([dir], values, ctx) {
    await withCase(dir!, values, async (c) => {
      const trackId = trackOption(c, str(values, 'track'));
      const done = await runJobInProcess(c, ctx, 'appearances', { trackId });
      ctx.print({ ok: true, search: done.result }, () => describeAppearances(done.result));
    });
  },
};

export const alertsCmd: Command = {
  path: ['alerts'],
  summary: 'watchlist alerts raised after analyses (tracks whose gallery candidate passed the gate); --review marks one seen (audited)',
  usage: 'alerts DIR [--review ID [--note TEXT]]',
  positionals: [1, 1],
  options: { review: { type: 'string' }, note: { type: 'string' } },
  async run([dir], values, ctx) {
    const review = positiveInt(str(values, 'review'), '--review');
    await withCase(dir!, values, (c) => {
      if (review) {
        const a = reviewAlert(c, review, str(values, 'note') ?? null);
        ctx.print({ ok: true, alert: a }, () => `marked seen: ${describeAlert(a)}`);
        return;
      }
      const alerts = listAlerts(c);
      ctx.print({ ok: true, unreviewed: unreviewedAlertCount(c), alerts }, () =>
        alerts.length ? [`${unreviewedAlertCount(c)} new of ${alerts.length} alert(s). ${LEAD_NOT_IDENTIFICATION}`, ...alerts.map(describeAlert)].join('\n') : 'No watchlist alerts.',
      );
    });
  },
};

// ───────────────────────────── conclusions ─────────────────────────────

export const concludeCmd: Command = {
  path: ['conclude'],
  summary: "record an examiner's conclusion on a candidate (ENFSI verbal scale; immutable, audited); --verify records a verification, --blind one made without seeing the first",
  usage: `conclude DIR --identification ID --person NAME --conclusion LEVEL [--note TEXT] [--examiner NAME] [--verify [--blind]]`,
  positionals: [1, 1],
  options: { identification: { type: 'string' }, person: { type: 'string' }, conclusion: { type: 'string' }, note: { type: 'string' }, verify: { type: 'boolean' }, blind: { type: 'boolean' } },
  async run([dir], values, ctx) {
    const identificationId = positiveInt(str(values, 'identification'), '--identification');
    if (!identificationId) throw new SightlineError('INVALID_INPUT', '--identification ID is required');
    const level = str(values, 'conclusion');
    if (!level || !conclusionLevel(level)) {
      throw new SightlineError('INVALID_INPUT', `--conclusion must be one of: ${CONCLUSION_SCALE.map((l) => l.id).join(', ')}${level ? ` (got ${JSON.stringify(level)})` : ''}`);
    }
    const blind = values.blind === true;
    if (blind && values.verify !== true) throw new SightlineError('INVALID_INPUT', '--blind applies to a verification: add --verify');
    await withCase(dir!, values, (c) => {
      const ident = getIdentification(c, identificationId);
      const who = str(values, 'person');
      if (!who) throw new SightlineError('INVALID_INPUT', '--person NAME (or #ID) is required');
      const person = findPerson(c, who);
      const cand = ident.candidates.find((x) => x.personId === person.id);
      // The command line shows no images: it records the files it names for the examiner to view.
      const viewed = {
        interface: 'cli' as const,
        originalFrames: ident.template.kind === 'enhancement' ? [] : ident.template.frames.map((f) => ({ frame: f.frame, cropSha256: f.cropSha256 })),
        enhancements: ident.template.enhancementId ? [ident.template.enhancementId] : [],
        references: cand ? [cand.referenceId] : [],
        statement: 'recorded from the command line, which displays no images: the images are those the command names (probe crops in derived/, the reference photo as evidence)',
      };
      if (ident.template.kind === 'enhancement') {
        // An enhancement's identification: the originals are the enhancement's source frames.
        viewed.originalFrames = [{ frame: ident.template.frames[0]!.frame, cropSha256: ident.template.frames[0]!.cropSha256 }];
      }
      const k = recordConclusion(c, { identificationId, personId: person.id, level, note: str(values, 'note') ?? null, role: values.verify === true ? 'verification' : 'examination', blind, viewed });
      const all = listConclusions(c, { identificationId, personId: person.id });
      const refFile = cand ? evidenceFile(c, getEvidence(c, cand.referenceEvidenceId)) : null;
      ctx.print({ ok: true, conclusion: k, conclusions: all, scale: CONCLUSION_SCALE_SOURCE }, () =>
        [
          `recorded ${describeConclusion(k)}`,
          `scale: ${CONCLUSION_SCALE_SOURCE}`,
          ...(refFile ? [`reference photo: ${refFile}`] : []),
          ...ident.template.frames.map((f) => `probe frame ${f.frame}: ${derivedPath(c, f.cropSha256)}`),
          ...(all.length > 1 ? ['all conclusions on this candidate:', ...all.map((x) => `  ${describeConclusion(x)}`)] : []),
        ].join('\n'),
      );
    });
  },
};

export const identifyGateCmd: Command = {
  path: ['identify-gate'],
  summary: "show or change the case's identification gate (probe quality and similarity thresholds; audited)",
  usage: 'identify-gate DIR [--min-quality Q] [--min-similarity S] [--reason TEXT]',
  positionals: [1, 1],
  options: { 'min-quality': { type: 'string' }, 'min-similarity': { type: 'string' }, reason: { type: 'string' } },
  async run([dir], values, ctx) {
    const q = fraction(str(values, 'min-quality'), '--min-quality');
    const s = fraction(str(values, 'min-similarity'), '--min-similarity');
    await withCase(dir!, values, (c) => {
      const g = q === undefined && s === undefined ? getGateSettings(c) : setGate(c, { ...(q !== undefined ? { minQuality: q } : {}), ...(s !== undefined ? { minSimilarity: s } : {}) }, str(values, 'reason'));
      ctx.print({ ok: true, gate: g }, () => `identification gate: probe quality > ${g.minQuality} and similarity > ${g.minSimilarity}${g.updatedAt ? ` (set ${g.updatedAt} by ${g.updatedBy})` : ' (defaults)'}`);
    });
  },
};

