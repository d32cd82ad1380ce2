// Published fits, ready to predict with and compare against: `law hoffmann: published("hoffmann2022")`.
// Values and provenance from the project's reference (shared/reference/domain-anchors.md, §1.1–1.3),
// with the tag that says how each set of numbers was verified there; the hover carries it.
import type { Expr } from '../syntax/ast';
import { parseExpression } from '../syntax/parser';

export interface PublishedLaw {
  id: string;
  /** Over the variables N (parameters) and D (training tokens); the target is L. */
  formula: Expr;
  formulaText: string;
  variables: string[];
  values: Record<string, number>;
  /** Paper and where in it. */
  source: string;
  /** What the variables count and the loss measures. */
  units: string;
  /** How the numbers were verified (the reference's provenance tag, in words). */
  verification: string;
}

function entry(e: Omit<PublishedLaw, 'formula'>): PublishedLaw {
  return { ...e, formula: parseExpression(e.formulaText) };
}

const CHINCHILLA_FORM = 'E + A / N^alpha + B / D^beta';

export const PUBLISHED: ReadonlyMap<string, PublishedLaw> = new Map(
  [
    entry({
      id: 'hoffmann2022',
      formulaText: CHINCHILLA_FORM,
      variables: ['N', 'D'],
      values: { E: 1.69, A: 406.4, B: 410.7, alpha: 0.34, beta: 0.28 },
      source: 'Hoffmann et al. 2022, Training Compute-Optimal Large Language Models (arXiv 2203.15556), approach 3',
      units: 'L in nats per token (MassiveText); N all parameters, embeddings included; D tokens; C ≈ 6ND',
      verification:
        'rounded as printed (the values many sources quote; not re-read from the PDF). Unrounded values circulating in the Epoch notebook move N* by ~25% at 5.76e23 FLOPs',
    }),
    entry({
      id: 'besiroglu2024',
      formulaText: CHINCHILLA_FORM,
      variables: ['N', 'D'],
      values: { E: 1.817, A: 482.01, B: 2085.43, alpha: 0.348, beta: 0.366 },
      source:
        "Besiroglu et al. 2024, Chinchilla Scaling: A Replication Attempt (arXiv 2404.10102), the refit of Hoffmann's approach 3",
      units:
        'L in nats per token; N all parameters; D = C/(6N) tokens (points reconstructed from Hoffmann et al. Figure 4)',
      verification:
        "from the replication's notebook (epoch-research/analyzing-chinchilla data_analysis.ipynb, printed outputs)",
    }),
    entry({
      id: 'kaplan2020_n',
      formulaText: '(Nc / N)^alphaN',
      variables: ['N'],
      values: { Nc: 8.8e13, alphaN: 0.076 },
      source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), L(N), eq. 1.1',
      units: 'L in nats per token (WebText2 test); N non-embedding parameters; trained to convergence',
      verification:
        'from memory of the paper, not re-verified against the PDF (the same constants in several third-party notes)',
    }),
    entry({
      id: 'kaplan2020_d',
      formulaText: '(Dc / D)^alphaD',
      variables: ['D'],
      values: { Dc: 5.4e13, alphaD: 0.095 },
      source: 'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), L(D), eq. 1.2',
      units: 'L in nats per token (WebText2 test); D tokens; large model, early stopping',
      verification: 'from memory of the paper, not re-verified against the PDF',
    }),
    entry({
      id: 'kaplan2020_nd',
      formulaText: '((Nc / N)^(alphaN / alphaD) + Dc / D)^alphaD',
      variables: ['N', 'D'],
      values: { Nc: 6.4e13, Dc: 1.8e13, alphaN: 0.076, alphaD: 0.103 },
      source:
        'Kaplan et al. 2020, Scaling Laws for Neural Language Models (arXiv 2001.08361), L(N, D), eq. 1.5 and Table 2',
      units: 'L in nats per token (WebText2 test); N non-embedding parameters; D tokens',
      verification:
        'from memory of the paper, not re-verified against the PDF (alphaD = 0.103 also in a third-party cheat sheet)',
    }),
  ].map((e) => [e.id, e]),
);
