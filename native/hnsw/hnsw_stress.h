// Native stress loop over HnswIndex (concurrent insert / delete / compact / search), run by the
// tests through the binding. See hnsw_stress.cpp for what each result is checked against.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace maxsim::hnsw {

struct StressReport {
  uint64_t searches = 0, results = 0, adds = 0, deletes = 0, compactions = 0;
  std::vector<std::string> errors;  // empty when every check passed
};

StressReport runStress(double seconds, uint32_t readers);

}  // namespace maxsim::hnsw
