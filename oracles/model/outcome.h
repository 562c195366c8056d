// The results the model's rule files return: a value, or the failure with its
// errno. Internal to oracles/model/.
#ifndef MLOCKCHECK_ORACLES_MODEL_OUTCOME_H_
#define MLOCKCHECK_ORACLES_MODEL_OUTCOME_H_

#include <cstdint>

#include "oracles/model.h"

namespace mlc {
namespace model_outcome {

inline constexpr int kFailed = -1;

inline Outcome Ok(int64_t ret = 0) { return {ret, 0, 0}; }
inline Outcome Fail(int err) { return {kFailed, err, 0}; }

// A return value of the kernel's internal form (0 or -errno) as an Outcome.
inline Outcome FromKernel(int rc) { return rc == 0 ? Ok() : Fail(-rc); }

}  // namespace model_outcome
}  // namespace mlc

#endif  // MLOCKCHECK_ORACLES_MODEL_OUTCOME_H_
