/**
 * The tamper-evident audit log.
 *
 * Each row is hashed as sha256(prev_hash ‖ canonical JSON of the row), the first row's prev_hash binding the
 * chain to the case's UUID. SQLite triggers refuse UPDATE and DELETE; a row changed by other means (the triggers
 * dropped, the file edited) breaks the chain at that row, which `verify` names. Appends happen inside the same
 * transaction as the change they describe, so the log never claims an action whose results are absent, nor the
 * reverse.
 */
import crypto from 'node:crypto';
import { canonicalJson } from '../domain/canonicalJson';
import type { Db } from './db/database';
import { APP_VERSION } from '../platform/appInfo';

/** A file the action read or wrote, by content hash. */
export interface HashRef {
  readonly sha256: string;
  /** What it is, e.g. 'evidence', 'frame', 'model', 'export'. */
  readonly role: string;
  /** Human handle: original file name, evidence id, model name… */
  readonly name?: string;
}

export interface AuditInput {
  readonly action: string;
  readonly params?: Record<string, unknown>;
  readonly inputs?: readonly HashRef[];
  readonly outputs?: readonly HashRef[];
}

export interface AuditEntry {
  readonly seq: number;
  readonly ts: string;
  readonly examiner: string;
  readonly account: string;
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly inputs: HashRef[];
  readonly outputs: HashRef[];
  readonly appVersion: string;
  readonly prevHash: string;
  readonly hash: string;
}

interface AuditRow {
  seq: number;
  ts: string;
  examiner: string;
  account: string;
  action: string;
  params_json: string;
  inputs_json: string;
  outputs_json: string;
  app_version: string;
  prev_hash: string;
  hash: string;
}

export type VerifyResult =
  | { readonly ok: true; readonly entries: number; readonly headHash: string }
  | { readonly ok: false; readonly entries: number; readonly firstBadSeq: number; readonly reason: string; readonly headHash: string };

export function genesisHash(caseUuid: string): string {
  return sha256Hex(`sightline-audit-genesis:${caseUuid}`);
}

function sha256Hex(s: string): string {
  return crypto.createHash('sha256').update(s, 'utf8').digest('hex');
}

/**
 * The canonical JSON of a row (keys sorted). The JSON columns are stored canonical already and are spliced in
 * verbatim, so the hash covers exactly the stored bytes: a hand edit of any column changes it.
 */
function rowPayload(r: Omit<AuditRow, 'hash'>): string {
  const s = JSON.stringify;
  return (
    `{"account":${s(r.account)},"action":${s(r.action)},"app_version":${s(r.app_version)},"examiner":${s(r.examiner)},` +
    `"inputs":${r.inputs_json},"outputs":${r.outputs_json},"params":${r.params_json},` +
    `"prev_hash":${s(r.prev_hash)},"seq":${r.seq},"ts":${s(r.ts)}}`
  );
}

function rowHash(r: Omit<AuditRow, 'hash'>): string {
  return sha256Hex(r.prev_hash + rowPayload(r));
}

export class AuditLog {
  private readonly insert;
  private readonly last;

  constructor(
    private readonly db: Db,
    private readonly caseUuid: string,
    private readonly who: { examiner: string; account: string },
  ) {
    this.insert = db.prepare(
      `INSERT INTO audit (seq, ts, examiner, account, action, params_json, inputs_json, outputs_json, app_version, prev_hash, hash)
       VALUES (@seq, @ts, @examiner, @account, @action, @params_json, @inputs_json, @outputs_json, @app_version, @prev_hash, @hash)`,
    );
    this.last = db.prepare('SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1');
  }

  /**
   * Append one entry. Call inside the transaction that makes the change it records; better-sqlite3 nests it as a
   * savepoint when a transaction is open, and runs it in its own IMMEDIATE transaction otherwise.
   */
  append(entry: AuditInput): AuditEntry {
    return this.db.transaction(() => {
      const last = this.last.get() as { seq: number; hash: string } | undefined;
      const row: Omit<AuditRow, 'hash'> = {
        seq: (last?.seq ?? 0) + 1,
        ts: new Date().toISOString(),
        examiner: this.who.examiner,
        account: this.who.account,
        action: entry.action,
        params_json: canonicalJson(entry.params ?? {}),
        inputs_json: canonicalJson(entry.inputs ?? []),
        outputs_json: canonicalJson(entry.outputs ?? []),
        app_version: APP_VERSION,
        prev_hash: last?.hash ?? genesisHash(this.caseUuid),
      };
      const full: AuditRow = { ...row, hash: rowHash(row) };
      this.insert.run(full);
      return toEntry(full);
    }).immediate();
  }

  list(filter: { action?: string; limit?: number; afterSeq?: number } = {}): AuditEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM audit WHERE (@action IS NULL OR action = @action OR action LIKE @prefix) AND seq > @after ORDER BY seq LIMIT @limit`,
      )
      .all({
        action: filter.action ?? null,
        prefix: filter.action ? `${filter.action}.%` : null,
        after: filter.afterSeq ?? 0,
        limit: filter.limit ?? -1,
      }) as AuditRow[];
    return rows.map(toEntry);
  }

  headHash(): string {
    const last = this.last.get() as { hash: string } | undefined;
    return last?.hash ?? genesisHash(this.caseUuid);
  }

  /** Recompute the whole chain; name the first row whose sequence, link or hash is wrong. */
  verify(): VerifyResult {
    const rows = this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<AuditRow>;
    let prev = genesisHash(this.caseUuid);
    let expectedSeq = 1;
    let n = 0;
    for (const r of rows) {
      n++;
      let reason: string | undefined;
      if (r.seq !== expectedSeq) reason = `entry ${expectedSeq} is missing (found ${r.seq} next)`;
      else if (r.prev_hash !== prev) reason = `entry ${r.seq} does not link to entry ${r.seq - 1} (prev_hash differs)`;
      else if (rowHash(r) !== r.hash) reason = `entry ${r.seq} was altered (its content no longer matches its hash)`;
      if (reason) {
        return { ok: false, entries: this.count(), firstBadSeq: r.seq === expectedSeq ? r.seq : expectedSeq, reason, headHash: this.headHash() };
      }
      prev = r.hash;
      expectedSeq++;
    }
    return { ok: true, entries: n, headHash: prev };
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM audit').get() as { n: number }).n;
  }
}

function toEntry(r: AuditRow): AuditEntry {
  return {
    seq: r.seq,
    ts: r.ts,
    examiner: r.examiner,
    account: r.account,
    action: r.action,
    params: JSON.parse(r.params_json) as Record<string, unknown>,
    inputs: JSON.parse(r.inputs_json) as HashRef[],
    outputs: JSON.parse(r.outputs_json) as HashRef[],
    appVersion: r.app_version,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Exports: JSON (entries + verification + head hash) and CSV (one row per entry, head hash in a trailer). */
export function auditToJson(caseInfo: Record<string, unknown>, entries: AuditEntry[], verify: VerifyResult): string {
  return `${JSON.stringify({ format: 'sightline-audit/1', case: caseInfo, exportedAt: new Date().toISOString(), verification: verify, headHash: verify.headHash, entries }, null, 2)}\n`;
}

export function auditToCsv(entries: AuditEntry[], verify: VerifyResult): string {
  const cols = ['seq', 'ts', 'examiner', 'account', 'action', 'params', 'inputs', 'outputs', 'app_version', 'prev_hash', 'hash'];
  const esc = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const lines = [cols.join(',')];
  for (const e of entries) {
    lines.push(
      [String(e.seq), e.ts, e.examiner, e.account, e.action, canonicalJson(e.params), canonicalJson(e.inputs), canonicalJson(e.outputs), e.appVersion, e.prevHash, e.hash]
        .map(esc)
        .join(','),
    );
  }
  lines.push(`# head_hash,${verify.headHash}`);
  lines.push(`# chain,${verify.ok ? 'intact' : `broken at entry ${verify.firstBadSeq}: ${verify.reason}`}`);
  return `${lines.join('\r\n')}\r\n`;
}
