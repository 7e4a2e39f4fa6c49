import type { Command } from '../command';
import { SightlineError, toErrorInfo } from '../../../domain/errors';
import { findEvidence, importEvidence, listEvidence, type Evidence } from '../../../core/evidence';
import { checkAllEvidence, integrityError } from '../../../core/evidenceVerify';
import { exportFrame } from '../../../core/frames';
import { exportImage } from '../../../core/export/viewExports';
import { EXIT } from '../exitCodes';
import { term } from '../../../platform/terminalText';
import { fmtSeconds, str, withCase } from './shared';
import { describeFfmpeg, ffmpegInfo } from '../../../platform/tools';

/** Which ffmpeg indexed the evidence, and how its frames become RGB (the one decode path). */
function decodedBy(e: Evidence): string {
  if (e.decoder === 'sharp') return 'decoded by libvips (sharp)';
  const tool = e.ffmpeg ? describeFfmpeg(e.ffmpeg) : 'ffmpeg not recorded (imported before Sightline recorded it: the bundled 2018 build)';
  return `indexed by ${tool}; RGB: ${e.rgbConversion.matrix.toUpperCase()} ${e.rgbConversion.range} range`;
}

function describe(e: Evidence): string {
  const media =
    e.kind === 'image'
      ? term`image ${e.codec} ${e.width}×${e.height}`
      : term`video ${e.codec} in ${e.container.split(',')[0]} ${e.width}×${e.height}, ${e.frameCount} frames, ${e.fps ? `${e.fps.toFixed(3)} fps` : 'fps n/a'}${e.vfr ? ' (variable)' : ''}, ${fmtSeconds(e.duration)}`;
  const integrity = e.integrity === 'altered' ? ' — ALTERED ON DISK since import (sightline evidence verify)' : e.integrity === 'missing' ? ' — FILE MISSING from the case' : '';
  return `${media}${e.warnings.length ? term` — DAMAGED: ${e.warnings[0]}` : ''}${integrity}
  ${decodedBy(e)}`;
}

export const importCmd: Command = {
  path: ['import'],
  summary: 'import clips and images as evidence (copied, hashed, verified, indexed)',
  usage: 'import DIR FILE... [--allow-damaged]',
  positionals: [2, 10000],
  options: { 'allow-damaged': { type: 'boolean' } },
  async run([dir, ...files], values, ctx) {
    return withCase(dir!, values, async (c) => {
      const results: unknown[] = [];
      let failures = 0;
      for (const file of files) {
        try {
          const r = await importEvidence(c, file, {
            signal: ctx.signal,
            allowDamaged: values['allow-damaged'] === true,
            onProgress: (p) => ctx.progress(p),
          });
          ctx.progressDone();
          results.push({ file, ok: true, duplicate: r.duplicate, evidence: r.evidence });
          if (!ctx.json) {
            const e = r.evidence;
            process.stdout.write(
              `${r.duplicate ? 'already in case' : 'imported'}  ${term`#${e.id}  ${e.originalName}`}\n  sha256 ${e.sha256}\n  md5    ${e.md5}\n  ${describe(e)}\n`,
            );
          }
        } catch (e) {
          ctx.progressDone();
          const info = toErrorInfo(e);
          if (info.code === 'CANCELLED') throw e;
          failures++;
          results.push({ file, ok: false, error: info });
          process.stderr.write(term`sightline: ${file}: ${info.message}` + '\n');
        }
      }
      if (ctx.json) ctx.print({ ok: failures === 0, results }, '');
      return failures ? EXIT.failed : EXIT.ok;
    }, { ctx });
  },
};

export const evidenceList: Command = {
  path: ['evidence'],
  summary: 'list the evidence in a case',
  usage: 'evidence DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    await withCase(dir!, values, (c) => {
      const items = listEvidence(c);
      ctx.print({ ok: true, evidence: items }, () =>
        items.length === 0 ? 'No evidence yet.' : items.map((e) => `${term`#${e.id}  ${e.originalName}`}\n  sha256 ${e.sha256}\n  ${describe(e)}`).join('\n'),
      );
    }, { readonly: true });
  },
};

export const frameCmd: Command = {
  path: ['frame'],
  summary: 'export frame INDEX of an evidence item as PNG (exact for variable frame rate; audited)',
  usage: 'frame DIR EVIDENCE_ID INDEX --out FILE.png [--redact [--keep-track ID...] [--force]]',
  positionals: [3, 3],
  options: { out: { type: 'string' }, redact: { type: 'boolean' }, 'keep-track': { type: 'string', multiple: true }, force: { type: 'boolean' } },
  async run([dir, ref, indexText], values, ctx) {
    const index = Number(indexText);
    await withCase(dir!, values, async (c) => {
      const e = findEvidence(c, ref!);
      if (!/^\d+$/.test(indexText!)) {
        throw new SightlineError('INVALID_INPUT', `frame index must be a whole number (0–${e.frameCount - 1}), got ${JSON.stringify(indexText)}`);
      }
      if (values.redact === true) {
        // Every face except the kept tracks' is redacted, with the same method as reports and packages.
        const keep = ((values['keep-track'] as string[] | undefined) ?? []).flatMap((t) => t.split(',')).filter(Boolean).map(Number);
        const out = str(values, 'out');
        const x = await exportImage(c, { kind: 'frame', evidenceId: e.id, index, keepTrackIds: keep, force: values.force === true, signal: ctx.signal, ...(out ? { path: out } : {}) });
        ctx.print({ ok: true, ...x }, `frame ${index} of #${e.id}, ${x.redaction.regions} face region(s) redacted → ${x.path}\n  sha256 ${x.sha256}`);
        return;
      }
      if (values['keep-track'] || values.force) throw new SightlineError('INVALID_INPUT', '--keep-track and --force go with --redact');
      const r = await exportFrame(c, e.id, index, str(values, 'out'), ctx.signal);
      const tool = ffmpegInfo();
      ctx.print(
        { ok: true, ...r, ffmpeg: tool, rgbConversion: e.rgbConversion },
        `${term`frame ${index} of #${e.id} at ${fmtSeconds(r.frame.time)} (pts ${r.frame.pts}) → ${r.path}`}\n  sha256 ${r.sha256}\n  decoded-pixels md5 ${r.frame.md5}\n  decoded by ${describeFfmpeg(tool)}; RGB: ${e.rgbConversion.matrix.toUpperCase()} ${e.rgbConversion.range} range`,
      );
    }, { ctx });
  },
};

export const evidenceVerifyCmd: Command = {
  path: ['evidence', 'verify'],
  summary: 're-hash every stored evidence file against its recorded SHA-256; exit 0 when all are intact, 3 naming each that differs (audited)',
  usage: 'evidence verify DIR',
  positionals: [1, 1],
  async run([dir], values, ctx) {
    // Read-only as far as the open goes: the full check below is the work, with its own progress and audit entry.
    return withCase(dir!, values, async (c) => {
      const list = listEvidence(c);
      const checks = await checkAllEvidence(c, list, {
        force: true,
        signal: ctx.signal,
        onProgress: (p) => ctx.progress(p),
      });
      ctx.progressDone();
      const bad = checks.filter((x) => x.status !== 'intact');
      c.audit.append({
        action: 'evidence.verify',
        params: { items: checks.length, intact: checks.length - bad.length, altered: bad.filter((x) => x.status === 'altered').map((x) => x.evidenceId), missing: bad.filter((x) => x.status === 'missing').map((x) => x.evidenceId) },
        inputs: list.map((e) => ({ sha256: e.sha256, role: 'evidence', name: e.originalName })),
      });
      ctx.print({ ok: bad.length === 0, checks }, () =>
        [
          ...checks.map((x) => (x.status === 'intact' ? term`intact   #${x.evidenceId}  ${x.originalName}  sha256 ${x.sha256}` : term`${x.status.toUpperCase().padEnd(8)} #${x.evidenceId}  ${integrityError(x)!.message}`)),
          bad.length === 0 ? `all ${checks.length} evidence file(s) intact` : `${bad.length} of ${checks.length} evidence file(s) differ from what was imported`,
        ].join('\n'),
      );
      return bad.length === 0 ? EXIT.ok : EXIT.evidenceAltered;
    }, { readonly: false, verify: false });
  },
};
