// Tests of generators/gen_ops.h: sequences built from the generators reach
// the interesting states of the model, every limit rule and every madvise
// rule, and generated limits stay in their named branches.
#include "generators/gen_ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oracles/model.h"
#include "oracles/op.h"
#include "suite/testing/generators_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

// ---------------------------------------------------------------------------
// Reach: over a few hundred generated sequences, the interesting states of
// the model come up. Sizes cycle 0..100 as in a RapidCheck run.

struct Reached {
  std::array<uint64_t, kOpKindCount> kinds{};
  std::map<std::string, uint64_t> outcomes;  // "mlock ENOMEM"
  LockTransitions transitions{};
  std::array<uint64_t, static_cast<size_t>(Event::kCount)> events{};
  uint64_t ranged = 0;            // calls on an address range or page
  uint64_t ranged_on_mapped = 0;  // ... whose first page was mapped
};

Reached Explore(const ModelConfig& config, int sequences, int steps, uint64_t seed,
                const GenOptions& options = GenOptions{}) {
  const uint64_t arena_pages = config.arena_pages;
  Reached reached;
  rc::Random random(seed);
  for (int s = 0; s < sequences; ++s) {
    Model model(config);
    const int size = s % (rc::kNominalSize + 1);
    for (int i = 0; i < steps; ++i) {
      const Op op = Draw(GenOp(model, options), random, size);
      if (!IsMmap(op.kind) && op.kind != OpKind::kMlockall && op.kind != OpKind::kMunlockall &&
          op.kind != OpKind::kFtruncate && op.kind != OpKind::kDropCapIpcLock &&
          op.kind != OpKind::kSetMemlockLimit && op.kind != OpKind::kBrk && op.kind != OpKind::kFork &&
          op.region != kAbsoluteAddr) {
        ++reached.ranged;
        const uint64_t page = op.addr / kPage;
        reached.ranged_on_mapped += page < arena_pages && model.pages()[page].mapped;
      }
      StepEffects fx;
      const Outcome outcome = model.Apply(op, &fx);
      ++reached.kinds[static_cast<size_t>(op.kind)];
      const std::string result = outcome.signal == uapi::kSigsegv ? "SIGSEGV"
                                 : outcome.ret == -1              ? ErrnoName(outcome.err)
                                                                  : "ok";
      ++reached.outcomes[std::string(OpKindName(op.kind)) + " " + result];
      for (size_t from = 0; from < 3; ++from) {
        for (size_t to = 0; to < 3; ++to) reached.transitions[from][to] += fx.lock_transitions[from][to];
      }
      for (size_t e = 0; e < fx.events.size(); ++e) reached.events[e] += fx.events[e];
    }
  }
  return reached;
}

void ExpectInterestingStatesReached(const Reached& r) {
  for (int k = 0; k < kOpKindCount; ++k) {
    // reclaim needs the child's memory cgroup, move_pages two NUMA nodes,
    // compact and migrate_pages a machine of the run's own (their own
    // tests below).
    const OpKind kind = static_cast<OpKind>(k);
    if (kind == OpKind::kReclaim || kind == OpKind::kMovePages || kind == OpKind::kCompact ||
        kind == OpKind::kMigratePages) {
      continue;
    }
    EXPECT_GT(r.kinds[static_cast<size_t>(k)], 0u) << OpKindName(static_cast<OpKind>(k));
  }
  for (const char* outcome : {"mlock ENOMEM", "mlock2 ENOMEM", "mmap EEXIST", "read SIGSEGV",
                              "write SIGSEGV", "mlock ok", "mlock2 EINVAL", "mlockall EINVAL",
                              "mmap_file ok", "mmap_file EEXIST", "mmap_file EINVAL", "ftruncate ok"}) {
    EXPECT_GT(r.outcomes.count(outcome) ? r.outcomes.at(outcome) : 0, 0u) << outcome;
  }
  const auto lo = static_cast<size_t>(Lock::kLocked), lf = static_cast<size_t>(Lock::kOnFault);
  EXPECT_GT(r.transitions[lo][lf], 0u) << "lo -> lo+lf";
  EXPECT_GT(r.transitions[lf][lo], 0u) << "lo+lf -> lo";
  for (Event e : {Event::kLockAcrossHole, Event::kLockStartsInHole, Event::kPopulateStoppedAtProtNone,
                  Event::kPopulateSkippedOnFault, Event::kMapFixedReplacedLocked, Event::kMunmapOfLocked,
                  Event::kMprotectPopulated, Event::kZeroPageReplaced, Event::kTouchFaulted,
                  Event::kFutureLockedMmap, Event::kPopulateStoppedAtEof, Event::kTouchBeyondEof,
                  Event::kFileCowBroken, Event::kTruncateZapped, Event::kTruncateZappedLocked,
                  Event::kSecretmemStaysLocked, Event::kPopulateRefusedSecretmem, Event::kDrainBarrier,
                  Event::kMlockUncertain, Event::kMremapShrankLocked, Event::kMremapGrewLocked,
                  Event::kMremapGrewOnFault, Event::kMremapMovedLocked, Event::kMremapDontunmap,
                  Event::kMremapAcrossVmas, Event::kMremapMovedSeveralVmas,
                  Event::kBrkGrowLocked, Event::kBrkGrowOnFault, Event::kBrkGrowUnlocked,
                  Event::kBrkShrinkLocked, Event::kForkWithLocked, Event::kForkWithFuture,
                  Event::kForkCopiedPtes}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
  for (const char* outcome : {"mremap ok", "mremap EFAULT", "mremap EINVAL", "mremap ENOMEM"}) {
    EXPECT_GT(r.outcomes.count(outcome) ? r.outcomes.at(outcome) : 0, 0u) << outcome;
  }
  // Aiming at existing mappings: with uniformly random ranges instead, the
  // conformance arena gets about a third of these calls on a mapped page.
  EXPECT_GE(static_cast<double>(r.ranged_on_mapped), 0.6 * static_cast<double>(r.ranged))
      << r.ranged_on_mapped << " of " << r.ranged << " calls started on a mapped page";
}

TEST(GenReachTest, SequencesInTheConformanceArenaReachTheInterestingStates) {
  ExpectInterestingStatesReached(Explore(TestConfig(4096), /*sequences=*/300, /*steps=*/40, 11));
}

TEST(GenReachTest, SequencesInASmallArenaReachTheInterestingStates) {
  ExpectInterestingStatesReached(Explore(TestConfig(64), /*sequences=*/300, /*steps=*/40, 12));
}

// reclaim(): with the child's memory cgroup, with swap (unlocked pages go
// open, locked ones stay, a page mapped locked once stays in both mappings)
// and without (nothing of the arena may go); never without the cgroup.
TEST(GenReachTest, ReclaimReachesEveryRuleWithAndWithoutSwap) {
  GenOptions options;
  options.reclaim = true;
  for (bool swap : {true, false}) {
    ModelConfig config = TestConfig(4096);
    config.memcg_reclaim = true;
    config.swap_active = swap;
    const Reached r = Explore(config, /*sequences=*/300, /*steps=*/40, swap ? 13 : 14, options);
    EXPECT_GT(r.kinds[static_cast<size_t>(OpKind::kReclaim)], 0u);
    EXPECT_GT(r.outcomes.count("reclaim ok"), 0u);
    for (Event e : {Event::kReclaimKeptLocked, Event::kReclaimNothing}) {
      EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e) << (swap ? " with swap" : " without swap");
    }
    const Event either = swap ? Event::kReclaimOpen : Event::kReclaimKeptNoSwap;
    EXPECT_GT(r.events[static_cast<size_t>(either)], 0u) << EventName(either);
  }
  const Reached without = Explore(TestConfig(4096), /*sequences=*/100, /*steps=*/40, 15);
  EXPECT_EQ(without.kinds[static_cast<size_t>(OpKind::kReclaim)], 0u);
}

// move_pages(): with two nodes, locked and unlocked pages migrate, holes
// and the zero page answer their status, a node without memory is ENODEV;
// never with one node.
TEST(GenReachTest, MovePagesReachesEveryRule) {
  GenOptions options;
  options.migration = true;
  ModelConfig config = TestConfig(4096);
  config.numa_memory_nodes = 0x3;
  config.migration = config.observe_nodes = true;
  const Reached r = Explore(config, /*sequences=*/300, /*steps=*/40, 16, options);
  EXPECT_GT(r.outcomes.count("move_pages ok"), 0u);
  EXPECT_GT(r.outcomes.count("move_pages ENODEV"), 0u);
  for (Event e : {Event::kMigrateLockedPage, Event::kMigrateUnlockedPage, Event::kMigrateNoPage,
                  Event::kMigrateNoVma, Event::kMigrateNoNode}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
  const Reached without = Explore(TestConfig(4096), /*sequences=*/100, /*steps=*/40, 17);
  EXPECT_EQ(without.kinds[static_cast<size_t>(OpKind::kMovePages)], 0u);
}

// migrate_pages(): with two nodes on a machine of the run's own, over
// locked and unlocked pages, and to a node without memory (EPERM without
// CAP_SYS_NICE); never without.
TEST(GenReachTest, MigratePagesReachesEveryRule) {
  GenOptions options;
  options.migration = options.migrate_process = true;
  ModelConfig config = TestConfig(4096);
  config.numa_memory_nodes = 0x3;
  config.migration = config.observe_nodes = config.migrate_process = true;
  const Reached r = Explore(config, /*sequences=*/300, /*steps=*/40, 20, options);
  EXPECT_GT(r.outcomes.count("migrate_pages ok"), 0u);
  EXPECT_GT(r.outcomes.count("migrate_pages EPERM"), 0u);
  for (Event e : {Event::kMigrateProcessLockedPage, Event::kMigrateProcessUnlockedPage, Event::kMigrateProcessNoNode}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
  GenOptions move_pages_only = options;
  move_pages_only.migrate_process = false;
  const Reached without = Explore(config, /*sequences=*/100, /*steps=*/40, 21, move_pages_only);
  EXPECT_EQ(without.kinds[static_cast<size_t>(OpKind::kMigratePages)], 0u);
}

// compact(): with a machine of the run's own, both settings over locked
// pages; never without.
TEST(GenReachTest, CompactReachesBothSettings) {
  GenOptions options;
  options.compaction = true;
  ModelConfig config = TestConfig(4096);
  config.compaction = config.page_flags = true;
  const Reached r = Explore(config, /*sequences=*/300, /*steps=*/40, 18, options);
  EXPECT_GT(r.outcomes.count("compact ok"), 0u);
  for (Event e : {Event::kCompactKeptUnevictable, Event::kCompactMayMoveLocked}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
  const Reached without = Explore(TestConfig(4096), /*sequences=*/100, /*steps=*/40, 19);
  EXPECT_EQ(without.kinds[static_cast<size_t>(OpKind::kCompact)], 0u);
}

// The limit rules, as root without CAP_SYS_RESOURCE under an 8 MiB limit
// (sequences drop CAP_IPC_LOCK themselves) and as an ordinary user.
void ExpectEveryLimitRuleReached(const Reached& r, bool starts_privileged) {
  std::vector<std::string> wanted = {"mlock EPERM",     "mlock2 EPERM",   "mlockall EPERM", "mmap EPERM",
                                     "mlock ENOMEM",    "mlock2 ENOMEM",  "mlockall ENOMEM", "mmap EAGAIN",
                                     "prlimit64 ok",    "prlimit64 EPERM", "prlimit64 EINVAL", "capset ok",
                                     "mlockall ok",     "munlock ok",      "mremap EAGAIN"};
  for (const std::string& outcome : wanted) {
    EXPECT_GT(r.outcomes.count(outcome) ? r.outcomes.at(outcome) : 0, 0u) << outcome;
  }
  for (Event e : {Event::kNoLockPermission, Event::kMlockOverLimit, Event::kMlockFitAfterDiscount,
                  Event::kMlockallOverTotalVm, Event::kLockedMmapOverLimit, Event::kMapFixedEagainOverOwnLocked,
                  Event::kLimitChanged, Event::kLimitBelowLockedVm, Event::kMremapOverLimit,
                  Event::kBrkOverLimit}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
  if (starts_privileged) {
    EXPECT_GT(r.events[static_cast<size_t>(Event::kFutureLockedMmap)], 0u);
  }
}

// The limit rules involve no madvise; without it the rare branch that needs
// MAP_FIXED over the sequence's own locked pages near the limit comes up in
// these 600 sequences (madvise keeps its own reach test below).
GenOptions WithoutMadvise() {
  GenOptions options;
  options.madvise = false;
  return options;
}

ModelConfig EightMibLimit(bool cap_ipc_lock) {
  ModelConfig config = TestConfig(4096);
  config.outside_total_pages = 300;
  config.cap_ipc_lock = cap_ipc_lock;
  config.cap_sys_resource = false;
  config.memlock_cur = config.memlock_max = 8u << 20;
  return config;
}

// 2000 sequences: the rarest rule (MAP_FIXED's EAGAIN over its own locked
// pages) comes up about once in 600 sequences, fewer since brk and fork
// (issue 3) take a share of the calls.
TEST(GenReachTest, SequencesAsRootWithoutCapSysResourceReachEveryLimitRule) {
  // 2000: mremap, brk and fork (issue 3) took their share of the calls.
  ExpectEveryLimitRuleReached(Explore(EightMibLimit(true), /*sequences=*/2000, /*steps=*/40, 13, WithoutMadvise()), true);
}

TEST(GenReachTest, SequencesOfAnOrdinaryUserReachEveryLimitRule) {
  ExpectEveryLimitRuleReached(Explore(EightMibLimit(false), /*sequences=*/2000, /*steps=*/40, 14, WithoutMadvise()), false);
}

RC_GTEST_PROP(GenOpTest, GeneratedLimitsStayUnderTheHardLimitOutsideTheirNamedBranches, ()) {
  ModelConfig config = EightMibLimit(*rc::gen::arbitrary<bool>());
  config.cap_sys_resource = *rc::gen::arbitrary<bool>();
  Model model(config);
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, GenOptions{});
    const uint64_t hard = model.memlock_max();
    const Outcome outcome = model.Apply(op);
    if (op.kind != OpKind::kSetMemlockLimit) continue;
    // Valid (cur <= max <= the hard limit), or one of the two named invalid
    // branches: cur > max (EINVAL) or a raised hard limit (EPERM unless
    // CAP_SYS_RESOURCE).
    if (op.limit_cur > op.limit_max) {
      RC_ASSERT(outcome.err == uapi::kEinval);
    } else if (op.limit_max > hard) {
      RC_ASSERT(outcome.err == (config.cap_sys_resource ? 0 : uapi::kEperm));
    } else {
      RC_ASSERT(outcome.err == 0);
    }
  }
}

// Every madvise rule the model has is reached by the conformance generators.
TEST(GenReachTest, SequencesReachEveryMadviseRule) {
  const Reached r = Explore(TestConfig(4096), /*sequences=*/300, /*steps=*/40, 15);
  for (const char* outcome : {"madvise ok", "madvise EINVAL", "madvise ENOMEM", "madvise EFAULT"}) {
    EXPECT_GT(r.outcomes.count(outcome) ? r.outcomes.at(outcome) : 0, 0u) << outcome;
  }
  for (Event e : {Event::kMadvLockedEinval, Event::kMadvPartialEinval, Event::kMadvZapped, Event::kMadvZappedLocked,
                  Event::kMadvFreeLazy, Event::kMadvFreeNotAnon, Event::kMadvColdKept, Event::kMadvPageoutKept,
                  Event::kMadvPageoutOpen, Event::kMadvWillneed, Event::kMadvPopulated, Event::kMadvPopulateEinval,
                  Event::kMadvPopulateEof, Event::kMadvHole}) {
    EXPECT_GT(r.events[static_cast<size_t>(e)], 0u) << EventName(e);
  }
}

}  // namespace
}  // namespace mlc
