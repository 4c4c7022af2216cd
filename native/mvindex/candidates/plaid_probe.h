// PLAID stage 1, score-at-a-time (after WARP, Scheerer et al., 2025): instead of handing the
// union of the probed inverted lists to centroid interaction, walk each query token's probed
// lists in descending centroid score and accumulate, per document, the token's best probed
// centroid score. A document that token i does not reach is imputed m_i, the token's best
// centroid score among the centroids it did not probe (an upper bound of what that document
// could score through centroids). The estimate of a document is then
//   Σ_i m_i + Σ_{i reaching d} (S[best probed code of d, i] − m_i),
// and only documents reached by some token are considered at all.
//
// Why: with word-level tokens, stop-word centroids have lists covering most of the corpus, so the
// union is nearly everything; the walk costs one streaming pass over those lists (slots in a
// list are ascending), while per-document centroid interaction over the union costs a gather of
// every code of every document.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace maxsim::mvindex {

// Each query token's probed centroids, best first, and its imputed score.
struct ProbePlan {
  uint32_t ncells = 0;
  std::vector<uint32_t> cells;  // layout: (nq, ncells) centroid ids, per token in descending score
  std::vector<float> scores;    // layout: (nq, ncells) their scores S[c, i]
  std::vector<float> imputed;   // per token: m_i
};

// Picks, per token, the top `ncells` centroids of S (layout (k, nq), code-major) in descending
// score (ties: lower id first) and m_i = the (ncells+1)-th best score (or, when every centroid is
// probed, the worst probed one, so an unreached document still gets a finite estimate).
void planProbes(const float* S, uint32_t nq, uint32_t k, uint32_t ncells, ProbePlan& plan);

// The walk, then the `keep` best estimates: fills `out` with (estimate, slot) for at most `keep`
// live documents reached (higher estimate first, ties: lower slot; `out` itself is unordered).
// lists[c]: slots whose document has a token coded c, ascending. alive: per slot (slots beyond
// it count as dead). Scratch is thread-local and sized to the largest slot seen, never cleared
// per query (stamps), so one query costs O(postings walked), not O(slots).
void probeEstimates(const ProbePlan& plan, uint32_t nq, const std::vector<std::vector<uint32_t>>& lists,
                    const std::vector<uint8_t>& alive, size_t keep, std::vector<std::pair<float, uint32_t>>& out);

// Keeps the `keep` best of `est` (higher estimate first, ties: lower slot), in no particular
// order. A histogram pass first drops what cannot make it, so the exact selection runs on a few
// times `keep` entries rather than on every document reached.
void keepBest(std::vector<std::pair<float, uint32_t>>& est, size_t keep);

}  // namespace maxsim::mvindex
