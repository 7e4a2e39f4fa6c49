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

/**
 * The identity guard's verdict as a badge, in words: a drift check of the result against its own source ("No
 * identity drift detected", "⚠ Identity drift", "⚠ Too poor to enhance"), never a "pass" of the image. The
 * server's wording (`guardText`), with what a pass means in the tooltip.
 */
export function VerdictBadge({ e }: { readonly e: Pick<EnhancementView, 'guard' | 'guardText'> }) {
  const t = e.guardText;
  return (
    <span
      className={`verdict ${t.outcome === 'no-drift' ? 'verdict-pass' : 'verdict-fail'}`}
      data-testid="guard-verdict"
      data-verdict={e.guard.verdict}
      data-outcome={t.outcome}
      title={`${t.headline}. ${t.meaning}`}
    >
      {t.badge}
    </span>
  );
}
