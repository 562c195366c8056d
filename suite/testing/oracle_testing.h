// Shared by the oracle's rule-family tests (suite/tests/oracle_*_test.cc):
// their 64-page arena with 100 lockable pages outside it, protections, page
// states written out by hand, calls at arbitrary (possibly unaligned)
// offsets, and the fixture that steps through a ReferenceScenarios() entry.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/lib/scenarios.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace test {

constexpr uint64_t kArenaPages = 64;
constexpr uint64_t kOutsideKb = 100 * kPage / 1024;
constexpr uint64_t kSizeMax = std::numeric_limits<uint64_t>::max();

constexpr int kNone = uapi::kProtNone;
constexpr int kR = uapi::kProtRead;
constexpr int kW = uapi::kProtWrite;
constexpr int kX = uapi::kProtExec;
constexpr int kOnfault = uapi::kMlockOnfault;

inline ModelConfig TestConfig(const char* release = "6.18.0") {
  ModelConfig config = BaseConfig(kArenaPages, release);
  config.outside_lockable_pages = 100;
  return config;
}

inline Outcome Segv() { return Signal(uapi::kSigsegv); }

inline const PageState kUnmapped{};

inline PageState Mapped(int prot, Lock lock, Residency residency, bool shared = false) {
  PageState page;
  page.mapped = true;
  page.shared = shared;
  page.prot = static_cast<uint8_t>(prot);
  page.lock = lock;
  page.residency = residency;
  // mm/mmap.c accountable_mapping(): a private writable mapping is VM_ACCOUNT.
  page.account = !shared && (prot & uapi::kProtWrite);
  return page;
}
inline PageState Private(int prot, Lock lock, Residency residency) { return Mapped(prot, lock, residency); }
inline PageState Shared(int prot, Lock lock, Residency residency) {
  return Mapped(prot, lock, residency, /*shared=*/true);
}

inline std::vector<PageState> PagesFrom(const Model& model, uint64_t first) {
  return Pages(model, first, kArenaPages - first);
}

// A call at an arbitrary (possibly unaligned) arena offset.
inline Op At(OpKind kind, uint64_t offset, uint64_t len) {
  Op op;
  op.kind = kind;
  op.addr = offset;
  op.len = len;
  return op;
}
inline Op Mlock2At(uint64_t offset, uint64_t len, int flags) {
  Op op = At(OpKind::kMlock2, offset, len);
  op.flags = flags;
  return op;
}
inline Op AbsoluteAt(OpKind kind, uint64_t addr, uint64_t len) {
  Op op = At(kind, addr, len);
  op.region = kAbsoluteAddr;
  return op;
}

inline LockTransitions Transitions(Lock from, Lock to, uint32_t pages) {
  LockTransitions t{};
  t[static_cast<size_t>(from)][static_cast<size_t>(to)] = pages;
  return t;
}

// ReferenceScenarios(), step by step: a test named after its scenario steps
// through every call of it (oracle_scenarios_test.cc, oracle_vma_test.cc).
class ReferenceScenarioOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (const Scenario& s : ReferenceScenarios()) {
      if (s.name == name) ops_ = s.ops;
    }
    ASSERT_FALSE(ops_.empty()) << "no reference scenario named " << name;
  }

  void TearDown() override {
    EXPECT_EQ(next_, ops_.size()) << "the test does not check every step of its scenario";
  }

  Outcome Step(StepEffects* effects = nullptr) {
    if (next_ >= ops_.size()) {
      ADD_FAILURE() << "the scenario has only " << ops_.size() << " steps";
      return {};
    }
    return model_.Apply(ops_[next_++], effects);
  }

  std::vector<PageState> Pages(uint64_t first, uint64_t count) const {
    return ::mlc::test::Pages(model_, first, count);
  }
  std::vector<PageState> PagesFrom(uint64_t first) const { return ::mlc::test::PagesFrom(model_, first); }

  Model model_{TestConfig()};
  std::vector<Op> ops_;
  size_t next_ = 0;
};

}  // namespace test
}  // namespace mlc
