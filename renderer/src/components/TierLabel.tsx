import type { EnhancementView } from '../../../app/contract';
import { TIER_EXPLANATION, TIER_SHORT_LABEL, tierLabel, type Tier } from '../../../domain/enhance';

/**
 * The tier of a result, everywhere a result is shown: investigative results always say what they are. `label` is
 * the server's `tierLabel` for a recorded result; without one (a method not yet run) the domain's label is shown.
 */
export function TierLabel({ tier, label, compact }: { readonly tier: Tier; readonly label?: string; readonly compact?: boolean }) {
  const text = compact && tier === 'evidential' ? TIER_SHORT_LABEL.evidential : (label ?? tierLabel(tier));
  return (
    <span className={`tier tier-${tier}`} data-testid="tier-label" data-tier={tier} title={TIER_EXPLANATION[tier]}>
      {text}
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
