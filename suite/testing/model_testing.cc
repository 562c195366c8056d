#include "suite/testing/model_testing.h"

#include "oracles/kernel_profile.h"

namespace mlc {

void PrintTo(const Outcome& outcome, std::ostream* os) {
  *os << "{ret " << outcome.ret << ", " << ErrnoName(outcome.err) << ", signal " << outcome.signal << "}";
}

void PrintTo(Lock lock, std::ostream* os) { *os << LockName(lock); }

void PrintTo(Residency residency, std::ostream* os) {
  switch (residency) {
    case Residency::kNone: *os << "absent"; return;
    case Residency::kZeroPage: *os << "zero page"; return;
    case Residency::kPage: *os << "page"; return;
  }
}

void PrintTo(const PageState& page, std::ostream* os) {
  *os << PageBitsString(PageBitsOf(page));
  if (!page.mapped) return;
  *os << ", ";
  PrintTo(page.residency, os);
  if (page.account) *os << ", VM_ACCOUNT";
  if (page.anon_vma) *os << ", anon_vma " << page.anon_vma;
  if (page.open) *os << ", residency open";
}

void PrintTo(ThpState state, std::ostream* os) { *os << ThpStateName(state); }

namespace test {

ModelConfig BaseConfig(uint64_t arena_pages, const char* release) {
  ModelConfig config;
  config.page_size = kPage;
  config.arena_base = kBase;
  config.arena_pages = arena_pages;
  config.profile = ProfileForRelease(release, nullptr).value();
  return config;
}

Observation Predicted(const Model& model) {
  Observation o;
  Predict(model, Ok(), &o);
  return o;
}

std::vector<PageState> Pages(const Model& model, uint64_t first, uint64_t count) {
  return {model.pages().begin() + static_cast<std::ptrdiff_t>(first),
          model.pages().begin() + static_cast<std::ptrdiff_t>(first + count)};
}

}  // namespace test
}  // namespace mlc
