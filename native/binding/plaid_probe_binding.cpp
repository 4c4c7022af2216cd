// Internal, for tests only: PLAID's score-at-a-time stage 1 (mvindex/candidates/plaid_probe.h)
// on caller-given centroid scores and inverted lists, so a test can check it against a plain JS
// reference of the same definition. Not part of the public facade.
//   _plaidProbe(S f32 (k, nq), nq, ncells, listOffsets u32 (k + 1), listSlots u32, alive u8, keep)
//     -> { cells: Uint32Array (nq, ncells), imputed: Float32Array (nq),
//          slots: Uint32Array, estimates: Float32Array }   (best first)
#include <algorithm>

#include "../mvindex/candidates/plaid_probe.h"
#include "napi_util.h"

namespace maxsim::binding {
namespace {

Napi::Value PlaidProbe(const Napi::CallbackInfo& info) {
  return guard(info, [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    auto S = typedArrayArg<float>(info, 0, napi_float32_array, "S");
    const uint32_t nq = uint32Arg(info, 1, "nq");
    const uint32_t ncells = uint32Arg(info, 2, "ncells");
    auto off = typedArrayArg<uint32_t>(info, 3, napi_uint32_array, "listOffsets");
    auto slots = typedArrayArg<uint32_t>(info, 4, napi_uint32_array, "listSlots");
    auto alive = typedArrayArg<uint8_t>(info, 5, napi_uint8_array, "alive");
    const uint32_t keep = uint32Arg(info, 6, "keep");
    if (nq == 0 || off.length < 2) throwInvalid(env, "nq and the list count must be positive");
    const uint32_t k = static_cast<uint32_t>(off.length - 1);
    if (S.length != size_t(k) * nq) throwInvalid(env, "S must hold (lists, nq) scores");
    std::vector<std::vector<uint32_t>> lists(k);
    for (uint32_t c = 0; c < k; ++c) {
      if (off.data[c] > off.data[c + 1] || off.data[c + 1] > slots.length) throwInvalid(env, "listOffsets out of range");
      lists[c].assign(slots.data + off.data[c], slots.data + off.data[c + 1]);
      for (uint32_t s : lists[c])
        if (s >= alive.length) throwInvalid(env, "a list slot is beyond alive");
      if (!std::is_sorted(lists[c].begin(), lists[c].end())) throwInvalid(env, "each list must be ascending");
    }
    std::vector<uint8_t> al(alive.data, alive.data + alive.length);
    mvindex::ProbePlan plan;
    mvindex::planProbes(S.data, nq, k, ncells, plan);
    std::vector<std::pair<float, uint32_t>> est;
    mvindex::probeEstimates(plan, nq, lists, al, keep, est);
    std::sort(est.begin(), est.end(), [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
    Napi::Object out = Napi::Object::New(env);
    Napi::Uint32Array cells = Napi::Uint32Array::New(env, plan.cells.size());
    std::copy(plan.cells.begin(), plan.cells.end(), cells.Data());
    Napi::Float32Array imputed = Napi::Float32Array::New(env, plan.imputed.size());
    std::copy(plan.imputed.begin(), plan.imputed.end(), imputed.Data());
    Napi::Uint32Array os = Napi::Uint32Array::New(env, est.size());
    Napi::Float32Array oe = Napi::Float32Array::New(env, est.size());
    for (size_t j = 0; j < est.size(); ++j) os[j] = est[j].second, oe[j] = est[j].first;
    out.Set("cells", cells);
    out.Set("imputed", imputed);
    out.Set("slots", os);
    out.Set("estimates", oe);
    return out;
  });
}

}  // namespace

void initPlaidProbe(Napi::Env env, Napi::Object exports) {
  exports.Set("_plaidProbe", Napi::Function::New(env, PlaidProbe, "_plaidProbe"));
}

}  // namespace maxsim::binding
