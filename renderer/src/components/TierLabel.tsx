import type { EnhancementView } from '../../../electron/ipc/contract';

/** The tier of a result, everywhere a result is shown: investigative results always say what they are. */
export function TierLabel({ tier, compact }: { readonly tier: 'evidential' | 'investigative'; readonly compact?: boolean }) {
  return tier === 'evidential' ? (
    <span className="tier tier-evidential" data-testid="tier-label" data-tier="evidential" title="Every pixel comes from the footage, by classical, stated and reproducible steps">
      {compact ? 'Evidential' : 'Evidential — every pixel from the footage'}
    </span>
  ) : (
    <span className="tier tier-investigative" data-testid="tier-label" data-tier="investigative" title="A learned network produced this image: it may show detail the footage does not contain">
      AI-restored — investigative lead, not evidence
    </span>
  );
}

/** The identity guard's verdict as a badge; a failing result is labelled, never hidden. */
export function VerdictBadge({ e }: { readonly e: Pick<EnhancementView, 'guard'> }) {
  const g = e.guard;
  return g.verdict === 'pass' ? (
    <span className="verdict verdict-pass" data-testid="guard-verdict" data-verdict="pass" title={`quality ${g.quality.value.toFixed(3)} > ${g.thresholds.minQuality}, similarity ${g.similarity.toFixed(3)} > ${g.thresholds.minSimilarity}`}>
      Guard: pass
    </span>
  ) : (
    <span className="verdict verdict-fail" data-testid="guard-verdict" data-verdict="fail" title={g.reasons.join('; ')}>
      ⚠ Guard: fail
    </span>
  );
}
