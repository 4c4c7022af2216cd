// A fixed pool of workers shared by every parallel call in the process.
//
// parallelFor(n, fn) splits [0, n) into chunks handed out through an atomic counter. The
// calling thread works on its own job too, so a job always finishes even when every worker is
// busy with another caller's job (several async calls from Node can run at once). Workers never
// call into JavaScript.
#pragma once
#include <cstddef>
#include <functional>

namespace maxsim {

// Number of threads a parallel call uses (workers + the caller). Defaults to the hardware
// concurrency; MAXSIM_THREADS overrides it at start-up.
int threadCount();
// Resizes the pool; n < 1 is clamped to 1 (the caller alone). Safe while jobs run: workers that
// are removed finish their current chunk first.
void setThreadCount(int n);

// Runs fn(begin, end) over chunks of [0, n) of about `grain` items. Exceptions thrown by fn are
// rethrown on the caller (the first one wins; remaining chunks are skipped).
void parallelFor(size_t n, size_t grain, const std::function<void(size_t, size_t)>& fn);

}  // namespace maxsim
