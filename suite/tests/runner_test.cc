// The executor on the real kernel: isolation, failure reporting and feature
// detection. Every failure kind must be reported as what it is.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "runners/host.h"
#include "suite/lib/scenarios.h"
#include "suite/lib/suite_context.h"
#include "suite/lib/verify.h"

namespace mlc {
namespace {

using ::testing::HasSubstr;

// The runs below lock a few pages: they need CAP_IPC_LOCK or a limit that
// leaves room for them.
#define SKIP_UNLESS_ROOM_TO_LOCK(ex)                                                          \
  do {                                                                                        \
    if (!(ex).info().cap_ipc_lock && (ex).info().memlock_cur < 64 * 1024) {                   \
      GTEST_SKIP() << "needs CAP_IPC_LOCK or RLIMIT_MEMLOCK of at least 64 kB";               \
    }                                                                                         \
  } while (0)

std::unique_ptr<Executor> StartExecutor(ExecutorOptions options = {}) {
  std::string error;
  auto ex = Executor::Start(options, &error);
  EXPECT_NE(ex, nullptr) << error;
  return ex;
}

wire::WireOp SelfTest(uint32_t kind) {
  wire::WireOp op;
  op.kind = kind;
  return op;
}

RunReport RunWire(Executor& ex, const std::vector<wire::WireOp>& ops) {
  return ex.Run(ops, [](uint32_t, const Observation&) { return true; });
}

TEST(ExecutorTest, ReportsKernelArenaAndFeatures) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  EXPECT_FALSE(ex->info().release.empty());
  EXPECT_EQ(ex->info().arena_pages, 4096u);
  EXPECT_TRUE(ex->info().has_mlock2);
  EXPECT_TRUE(ex->info().has_mcl_onfault);
  EXPECT_GT(ex->info().outside_lockable_pages, 0u);
}

TEST(ExecutorTest, ObservesEveryChannelAfterEachStep) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  SKIP_UNLESS_ROOM_TO_LOCK(*ex);
  const std::vector<Op> ops = {MmapPages(0, 2, 3, kRw, kAnonPrivate), Mlock2Pages(2, 2, uapi::kMlockOnfault),
                               TouchPage(OpKind::kWriteTouch, 3)};
  std::vector<Observation> seen;
  const RunReport report = ex->Run(ToWire(ops, ex->info().arena_base), [&](uint32_t, const Observation& o) {
    seen.push_back(o);
    return true;
  });
  ASSERT_EQ(report.status, RunStatus::kCompleted) << report.detail;
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].outcome.ret, static_cast<int64_t>(ex->info().arena_base + 2 * 4096));
  EXPECT_EQ(seen[0].page_bits[1], 0);
  EXPECT_EQ(seen[0].page_bits[2], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(seen[1].page_bits[2], kPageMapped | kPageRead | kPageWrite | kPageLo | kPageLf);
  EXPECT_EQ(seen[1].page_bits[4], kPageMapped | kPageRead | kPageWrite);
  EXPECT_EQ(seen[1].vmlck_kb, 8u);
  EXPECT_EQ(seen[1].resident[3], 0);
  EXPECT_EQ(seen[2].resident[3], 1);
  EXPECT_EQ(seen[2].rss_kb, 4u);
  EXPECT_EQ(seen[2].locked_kb, 4u);
  EXPECT_EQ(seen[2].lo_vma_kb, seen[2].vmlck_kb);
  EXPECT_GT(report.kernel_ns, 0u);
}

TEST(ExecutorTest, ForbiddenSyscallIsAHarnessErrorNamingTheSyscall) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  const RunReport report = RunWire(*ex, {SelfTest(wire::kSelfTestForbiddenSyscall)});
  EXPECT_EQ(report.status, RunStatus::kSeccomp);
  EXPECT_THAT(report.detail, HasSubstr("executor made syscall getppid"));
}

// prlimit64 is allowed for RLIMIT_MEMLOCK only.
TEST(ExecutorTest, PrlimitOfAnotherResourceIsASeccompViolation) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  const RunReport report = RunWire(*ex, {SelfTest(wire::kSelfTestOtherRlimit)});
  EXPECT_EQ(report.status, RunStatus::kSeccomp);
  EXPECT_THAT(report.detail, HasSubstr("executor made syscall prlimit64"));
}

TEST(ExecutorTest, CrashIsReportedWithTheSignal) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  const RunReport report = RunWire(*ex, {SelfTest(wire::kSelfTestCrash)});
  EXPECT_EQ(report.status, RunStatus::kCrashed);
  EXPECT_THAT(report.detail, HasSubstr("SIGSEGV"));
}

TEST(ExecutorTest, HangIsKilledAtTheTimeoutAndTheNextRunWorks) {
  ExecutorOptions options;
  options.run_timeout_ms = 1000;
  auto ex = StartExecutor(options);
  ASSERT_NE(ex, nullptr);
  const RunReport hung = RunWire(*ex, {SelfTest(wire::kSelfTestHang)});
  EXPECT_EQ(hung.status, RunStatus::kTimedOut);
  EXPECT_THAT(hung.detail, HasSubstr("1000 ms"));
  const RunReport next = RunWire(*ex, ToWire({MmapPages(0, 0, 1, kRw, kAnonPrivate)}, ex->info().arena_base));
  EXPECT_EQ(next.status, RunStatus::kCompleted) << next.detail;
}

TEST(ExecutorTest, CallsReachingOutsideTheArenaAreRefused) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  Op escape = RangePages(OpKind::kMunlock, 4095, 1 + kArenaGuardPages + 1);  // past the guard
  const RunReport report = RunWire(*ex, ToWire({escape}, ex->info().arena_base));
  EXPECT_EQ(report.status, RunStatus::kChildError);
  EXPECT_THAT(report.detail, HasSubstr("outside the arena"));
}

// Shrinking moves a mapping to the arena's start and the calls aimed just
// before it along: those land in the guard hole and must run.
TEST(ExecutorTest, CallsIntoTheGuardHoleRunAndFindAHole) {
  auto ex = StartExecutor();
  ASSERT_NE(ex, nullptr);
  Op before = RangePages(OpKind::kMlock, 0, 0);
  before.addr = 0 - uint64_t{0xfff};  // A - 0xfff: rounds to the page below the arena
  before.len = 0xfff;
  std::vector<Observation> seen;
  const RunReport report =
      ex->Run(ToWire({MmapPages(0, 0, 5, kRw, kAnonPrivate), before}, ex->info().arena_base),
              [&](uint32_t, const Observation& o) {
                seen.push_back(o);
                return true;
              });
  ASSERT_EQ(report.status, RunStatus::kCompleted) << report.detail;
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].outcome.ret, -1);
  EXPECT_EQ(seen[1].outcome.err, uapi::kEnomem);
}

TEST(ExecutorTest, SeccompEnosysRuleMakesMlock2AMissingFeature) {
  ExecutorOptions options;
  options.mlock2_enosys = true;
  auto ex = StartExecutor(options);
  ASSERT_NE(ex, nullptr);
  EXPECT_FALSE(ex->info().has_mlock2);
  std::vector<Observation> seen;
  const auto ops = ToWire({MmapPages(0, 0, 1, kRw, kAnonPrivate), Mlock2Pages(0, 1, 0)}, ex->info().arena_base);
  ex->Run(ops, [&](uint32_t, const Observation& o) {
    seen.push_back(o);
    return true;
  });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].outcome.ret, -1);
  EXPECT_EQ(seen[1].outcome.err, uapi::kEnosys);
}

TEST(ArenaGuardTest, AllowsOnlyWhatStaysInsideOrFailsEarly) {
  const ArenaBounds arena{0x100000000000, 16 * 4096, 4096};
  auto op = [](OpKind kind, uint64_t addr, uint64_t len, int flags = 0) {
    wire::WireOp w;
    w.kind = static_cast<uint32_t>(kind);
    w.addr = addr;
    w.len = len;
    w.flags = flags;
    return w;
  };
  const uint64_t a = arena.base;
  const int fixed = uapi::kMapFixed | uapi::kMapPrivate | uapi::kMapAnonymous;
  EXPECT_TRUE(MayExecute(op(OpKind::kMlock, a, 16 * 4096), arena));
  const uint64_t guard = kArenaGuardPages * 4096;
  EXPECT_TRUE(MayExecute(op(OpKind::kMlock, a - guard, guard), arena));  // the guard is a hole
  EXPECT_FALSE(MayExecute(op(OpKind::kMlock, a - guard - 1, 4096), arena));
  EXPECT_TRUE(MayExecute(op(OpKind::kMlock, a + 15 * 4096 + 1, 4096), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kMlock, a + 16 * 4096 + guard - 1, 2), arena));
  EXPECT_TRUE(MayExecute(op(OpKind::kMlock, 0 - 4096, 2 * 4096), arena));  // wraps: EINVAL
  EXPECT_TRUE(MayExecute(op(OpKind::kMlock, 0x1000, 0), arena));   // empty: a no-op anywhere
  EXPECT_FALSE(MayExecute(op(OpKind::kMlock, 0x1234, 0), arena));  // rounds out to a whole page
  EXPECT_FALSE(MayExecute(op(OpKind::kMlock, 0x1234000, 1), arena));
  EXPECT_TRUE(MayExecute(op(OpKind::kMmap, a, 4096, fixed), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kMmap, a, 4096, uapi::kMapPrivate | uapi::kMapAnonymous), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kMmap, a + 15 * 4096, 2 * 4096, fixed), arena));
  EXPECT_TRUE(MayExecute(op(OpKind::kMunmap, a + 1, 4096), arena));  // unaligned: EINVAL
  EXPECT_TRUE(MayExecute(op(OpKind::kMunmap, a - 4096, 4096), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kMunmap, a - guard - 4096, 4096), arena));
  EXPECT_TRUE(MayExecute(op(OpKind::kReadTouch, a - 1, 0), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kReadTouch, a - guard - 1, 0), arena));
  EXPECT_FALSE(MayExecute(op(OpKind::kMmap, a - 4096, 4096, fixed), arena));  // mmap: arena only
  EXPECT_TRUE(MayExecute(op(OpKind::kMlockall, 0, 0), arena));
}

}  // namespace
}  // namespace mlc
