// Argument conversion for the MultiVectorIndex binding: ids, documents, queries, filters and
// candidate settings from JS, and search hits back to JS. Every function throws a JS error with
// a code (through napi_util) on a value it cannot take.
#pragma once
#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "../mvindex/multi_vector_index.h"
#include "napi_util.h"

namespace maxsim::binding::mvargs {

// A Float64Array of integer ids (0 .. 2^53 - 1) or an Array of strings.
mvindex::IdList idsArg(const Napi::CallbackInfo& info, size_t i, const char* name);
// One id: a number or a string.
mvindex::IdList oneIdArg(const Napi::CallbackInfo& info, size_t i);
Napi::Value hitsToJs(Napi::Env env, const mvindex::SearchHits& h);
size_t kArg(const Napi::CallbackInfo& info, size_t i);
// (mode 0 none / 1 allow / 2 deny, ids) at arguments i, i + 1.
mvindex::Filter filterArg(const Napi::CallbackInfo& info, size_t i);

struct QueryArg {
  const float* data;
  uint32_t nq;
};
QueryArg queryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim);

struct BatchQueryArg {
  const float* data;
  const uint32_t* offsets;
  size_t n;
};
// (queries, queryOffsets) at arguments i, i + 1.
BatchQueryArg batchQueryArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim);

// Documents at argument i: an Array of Float32Array, or a flat Float32Array with Uint32Array
// offsets at i + 1. The batch points into the JS buffers (no copy). With `pins`, each
// per-document array read is referenced there, so work that outlives this call (an async add)
// keeps exactly the arrays it points into alive, whatever the caller does to the outer array.
mvindex::DocumentBatch documentsArg(const Napi::CallbackInfo& info, size_t i, uint32_t dim,
                                    std::vector<Napi::Reference<Napi::Value>>* pins = nullptr);

// candidates: 'exact' | 'muvera' | 'plaid', with optional muvera: {...} / plaid: {...} settings.
void candidateOptionsArg(Napi::Env env, Napi::Object o, mvindex::CandidateOptions& c);
// { ef, numCandidates, ncells, ndocs, centroidScoreThreshold } (each optional).
mvindex::CandidateParams candidateParamsArg(Napi::Env env, Napi::Object o);
Napi::Object candidateParamsToJs(Napi::Env env, const mvindex::CandidateParams& p);
// Optional search params object at argument i: { exact, device, ef, numCandidates, ... }.
mvindex::SearchParams searchParamsArg(const Napi::CallbackInfo& info, size_t i);

}  // namespace maxsim::binding::mvargs
