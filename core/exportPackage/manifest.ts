/** The package's manifest: what it holds (every file with its SHA-256 and size), whose key signed it, and why. */
export const PACKAGE_FORMAT = 'sightline-package/1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';

export interface ManifestFile {
  readonly path: string;
  readonly sha256: string;
  readonly size: number;
}

export interface PackageManifest {
  readonly format: typeof PACKAGE_FORMAT;
  readonly case: { readonly caseNumber: string; readonly title: string; readonly caseUuid: string; readonly examiner: string; readonly agency: string | null };
  readonly reportId: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly appVersion: string;
  /** The audit entry the report describes the case at, and the log's head when the package was made. */
  readonly stateEntry: { readonly seq: number; readonly hash: string; readonly ts: string };
  readonly auditHead: { readonly seq: number; readonly hash: string };
  readonly redaction: { readonly enabled: boolean; readonly reason: string | null; readonly regions: number };
  readonly signer: { readonly algorithm: 'Ed25519'; readonly examiner: string; readonly keyId: string; readonly publicKeyPem: string };
  readonly files: ManifestFile[];
}

/** The plain-text instructions put in every package, for a recipient without Sightline. */
export function verifyInstructions(m: Pick<PackageManifest, 'reportId' | 'signer' | 'case'>): string {
  return [
    `Sightline export package — case ${m.case.caseNumber}, report ${m.reportId}`,
    `Signed by ${m.signer.examiner}, Ed25519 key id ${m.signer.keyId}`,
    '',
    'What is here',
    '  report.pdf          the evidence report',
    '  images/             every image in the report, full resolution (bystanders redacted unless the report says otherwise)',
    '  audit/              the case audit log (JSON and CSV) with its head hash',
    '  records/            the enhancement and identification records, frames, evidence, redaction record and choices, as JSON',
    '  public-key.pem      the examiner’s public key (also inside manifest.json)',
    '  SHA256SUMS          SHA-256 of every file except manifest.json, manifest.sig and itself',
    '  manifest.json       every file with its SHA-256 and size, the signer and the case',
    '  manifest.sig        Ed25519 signature of manifest.json (64 raw bytes)',
    '',
    'Checking it with Sightline (no case needed):',
    '  sightline verify-package PATH        exit 0 when intact; exit 3 and the first changed file otherwise',
    '',
    'Checking it without Sightline (OpenSSL 3 and coreutils), inside this folder:',
    '  openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in manifest.json -sigfile manifest.sig',
    '  sha256sum -c SHA256SUMS',
    '  sha256sum SHA256SUMS public-key.pem   # compare with their entries in manifest.json',
    '',
    'Compare the key id above with the one the examiner gives you through another channel: the signature proves',
    'the package is unchanged since that key signed it.',
    '',
  ].join('\n');
}
