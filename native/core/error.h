// The one exception type the core throws. The binding maps `code` onto MaxsimError.code in JS,
// so codes are part of the public API and never change meaning.
#pragma once
#include <stdexcept>
#include <string>

namespace maxsim {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// Stable codes shared by every module.
namespace codes {
inline constexpr const char* kInvalidArgument = "ERR_INVALID_ARGUMENT";
inline constexpr const char* kDimensionMismatch = "ERR_DIMENSION_MISMATCH";
inline constexpr const char* kNonFinite = "ERR_NON_FINITE";
inline constexpr const char* kEmptyQuery = "ERR_EMPTY_QUERY";
inline constexpr const char* kBadOffsets = "ERR_BAD_OFFSETS";
inline constexpr const char* kOutOfMemory = "ERR_OUT_OF_MEMORY";
inline constexpr const char* kIo = "ERR_IO";
inline constexpr const char* kCorruptFile = "ERR_CORRUPT_FILE";
inline constexpr const char* kUnknownId = "ERR_UNKNOWN_ID";
inline constexpr const char* kDuplicateId = "ERR_DUPLICATE_ID";
inline constexpr const char* kNotTrained = "ERR_NOT_TRAINED";
inline constexpr const char* kInternal = "ERR_INTERNAL";
}  // namespace codes

}  // namespace maxsim
