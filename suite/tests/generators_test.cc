// Tests of generators/gen_ops.h: generated calls stay where the runner lets
// them run, flag generators cover both valid and invalid values, and
// sequences built from them reach the interesting states of the model.
#include "generators/gen_ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "oracles/kernel_profile.h"
#include "oracles/model.h"
#include "oracles/op.h"
#include "oracles/sequence_text.h"
#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary


// 64 pages is the oracle tests' arena; 4096 is the conformance run's (16 MiB).
ModelConfig TestConfig(uint64_t arena_pages) {
  ModelConfig config = BaseConfig(arena_pages);
  config.outside_lockable_pages = 100;
  return config;
}

template <typename T>
T Draw(const rc::Gen<T>& gen, rc::Random& random, int size = rc::kNominalSize) {
  return gen(random.split(), size).value();
}

bool Exempt(const Op& op) {
  // The named invalid branches: the kernel rejects them before any VMA.
  switch (op.kind) {
    case OpKind::kMmap:
      // hugetlb_get_unmapped_area(): a MAP_HUGETLB address off the huge page boundary.
      if ((op.flags & uapi::kMapHugetlb) && op.addr % (512 * kPage) != 0) return true;
      return op.len == 0 || op.addr % kPage != 0;
    case OpKind::kMunmap:
    case OpKind::kMprotect: return op.len == 0 || op.addr % kPage != 0;
    // do_madvise(): len 0, an unaligned start, a length rounding to 0, wrap-around.
    case OpKind::kMadvise:
      return op.len == 0 || op.addr % kPage != 0 || ((op.len + kPage - 1) & ~(kPage - 1)) == 0 ||
             op.region == kAbsoluteAddr;
    case OpKind::kMremap: {  // check_mremap_params(): EINVAL before any VMA
      const bool moves = op.flags & (uapi::kMremapFixed | uapi::kMremapDontunmap);
      return op.addr % kPage != 0 || op.new_len == 0 ||
             (op.flags & ~(uapi::kMremapMaymove | uapi::kMremapFixed | uapi::kMremapDontunmap)) != 0 ||
             (moves && !(op.flags & uapi::kMremapMaymove)) ||
             ((op.flags & uapi::kMremapDontunmap) && op.len != op.new_len) ||
             (moves && op.addr + op.len > op.new_addr && op.new_addr + op.new_len > op.addr);
    }
    default: return op.region == kAbsoluteAddr;
  }
}

// The kernel-rounded range an op can touch, as arena offsets [first, end).
struct Touched {
  uint64_t first = 0;
  uint64_t end = 0;
};
Touched RoundedRange(const Op& op) {
  const uint64_t mask = kPage - 1;
  switch (op.kind) {
    case OpKind::kMlock:
    case OpKind::kMlock2:
    case OpKind::kMunlock: {
      // do_mlock(): len = PAGE_ALIGN(len + offset_in_page(start)), ref 8.
      const uint64_t len = (op.len + (op.addr & mask) + mask) & ~mask;
      return {op.addr & ~mask, (op.addr & ~mask) + len};
    }
    case OpKind::kReadTouch:
    case OpKind::kWriteTouch: return {op.addr, op.addr + 1};
    case OpKind::kMlockall:
    case OpKind::kMunlockall:
    case OpKind::kDropCapIpcLock:
    case OpKind::kSetMemlockLimit:
    case OpKind::kBrk: return {0, 0};  // brk moves the heap region only (checked below)
    case OpKind::kMremap: {
      // The old range, grown in place, or the MREMAP_FIXED target.
      const uint64_t old_len = (op.len + mask) & ~mask;
      const uint64_t new_len = (op.new_len + mask) & ~mask;
      if (op.flags & uapi::kMremapFixed) {
        return {std::min(op.addr, op.new_addr), std::max(op.addr + old_len, op.new_addr + new_len)};
      }
      return {op.addr, op.addr + std::max(old_len, new_len)};
    }
    case OpKind::kMmap:
      if (op.flags & uapi::kMapHugetlb) {  // ksys_mmap_pgoff(): ALIGN(len, huge page size)
        const uint64_t huge_mask = 512 * kPage - 1;
        return {op.addr, op.addr + ((op.len + huge_mask) & ~huge_mask)};
      }
      return {op.addr, op.addr + ((op.len + mask) & ~mask)};
    default: return {op.addr, op.addr + ((op.len + mask) & ~mask)};
  }
}

// ---------------------------------------------------------------------------
// Safety: every generated call passes the runner's arena guard.

RC_GTEST_PROP(GenOpTest, EveryGeneratedCallStaysInsideTheArenaOrFailsBeforeAnyVma, ()) {
  const uint64_t arena_pages = *rc::gen::element<uint64_t>(1, 7, 64, 4096);
  GenOptions options;
  options.hot_pages = *rc::gen::element<uint64_t>(1, 16, 512);
  options.mlock2 = *rc::gen::arbitrary<bool>();
  options.hugetlb = *rc::gen::arbitrary<bool>();
  ModelConfig config = TestConfig(arena_pages);
  SetHugetlbConfig(512 * kPage, *rc::gen::inRange<uint64_t>(0, 5), 0, 0, &config);
  Model model(config);
  const ArenaBounds arena{kBase, arena_pages * kPage, kPage, 512 * kPage};
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, options);
    RC_ASSERT(MayExecute(ToWire({op}, kBase)[0], arena));
    if (op.kind == OpKind::kBrk) RC_ASSERT(op.brk_offset <= kHeapPages * kPage);
    if (!Exempt(op)) {
      const Touched t = RoundedRange(op);
      RC_ASSERT(t.first <= t.end);
      RC_ASSERT(t.end <= arena_pages * kPage);
    }
    model.Apply(op);
  }
}

RC_GTEST_PROP(GenOpTest, GeneratedMmapsAreEinvalOnlyInTheirNamedInvalidBranches, ()) {
  Model model(TestConfig(*rc::gen::element<uint64_t>(64, 4096)));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, GenOptions{});
    const Outcome outcome = model.Apply(op);
    if (IsMmap(op.kind) && outcome.err == uapi::kEinval) {
      // Anything else would be a mapping outside what the model covers.
      const bool private_secretmem = op.file == kSecretmem && (op.flags & uapi::kMapPrivate) &&
                                     (op.flags & uapi::kMapFixedNoreplace);
      RC_ASSERT(op.len == 0 || op.addr % kPage != 0 || op.offset % kPage != 0 || private_secretmem);
    }
    if (IsMmap(op.kind) && outcome.err == 0) {
      RC_ASSERT(outcome.ret == static_cast<int64_t>(kBase + op.addr));
      RC_ASSERT(op.region_base == op.addr);
    }
  }
}

RC_GTEST_PROP(GenOpTest, WithoutMremapNoMremapIsGenerated, ()) {
  GenOptions options;
  options.mremap = false;  // a kernel the model does not cover for mremap
  Model model(TestConfig(64));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, options);
    RC_ASSERT(op.kind != OpKind::kMremap);
    model.Apply(op);
  }
}

// Generated mremaps never aim a resize where the model cannot tell the VMA
// boundaries (Model::SpanOf() kUnknown), and never move or resize file pages.
RC_GTEST_PROP(GenOpTest, GeneratedMremapsStayWhereTheModelKnowsTheVmas, ()) {
  Model model(TestConfig(*rc::gen::element<uint64_t>(64, 4096)));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, GenOptions{});
    // (Without flags and with equal lengths mremap returns addr and changes nothing.)
    const bool no_op = op.flags == 0 && op.len == op.new_len;
    if (op.kind == OpKind::kMremap && op.addr % kPage == 0 && op.new_len != 0 && !no_op) {
      const uint64_t first = op.addr / kPage;
      const uint64_t pages = (op.len + kPage - 1) / kPage;
      const bool pure_move = (op.flags & uapi::kMremapFixed) && op.len == op.new_len;
      if (first < model.pages().size() && model.pages()[first].mapped && !pure_move && pages > 0) {
        const uint64_t checked = std::min(pages, (op.new_len + kPage - 1) / kPage);
        RC_ASSERT(model.SpanOf(first, checked) != Model::VmaSpan::kUnknown);
      }
      // File pages only in a range that is EFAULT before anything moves.
      for (uint64_t p = first; p < first + pages && p < model.pages().size(); ++p) {
        if (!(model.pages()[p].mapped && model.pages()[p].file >= 0)) continue;
        RC_ASSERT(!pure_move && model.pages()[first].mapped);
        RC_ASSERT(model.SpanOf(first, std::min(pages, (op.new_len + kPage - 1) / kPage)) == Model::VmaSpan::kCrosses);
      }
    }
    model.Apply(op);
  }
}

// --thp: about half of the anonymous mmaps are private, PMD-aligned and
// whole PMDs long, and lock calls put boundaries inside such mappings.
// The arena guard rounds a MAP_HUGETLB length up to the huge page, as
// ksys_mmap_pgoff() does, and lets an unaligned one through (EINVAL first).
TEST(HugetlbGuardTest, HugetlbLengthsRoundToTheHugePage) {
  const uint64_t huge = 512 * kPage;
  const ArenaBounds arena{kBase, 4 * huge, kPage, huge};
  auto mmap = [&](uint64_t addr, uint64_t len) {
    Op op;
    op.kind = OpKind::kMmap;
    op.addr = addr;
    op.len = len;
    op.prot = uapi::kProtRead;
    op.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed | uapi::kMapHugetlb;
    return ToWire({op}, kBase)[0];
  };
  EXPECT_TRUE(MayExecute(mmap(3 * huge, kPage), arena));
  EXPECT_FALSE(MayExecute(mmap(3 * huge, huge + kPage), arena));  // rounds to 2 huge pages: past the end
  EXPECT_TRUE(MayExecute(mmap(3 * huge + kPage, huge), arena));   // off the boundary: EINVAL
  const ArenaBounds without{kBase, 4 * huge, kPage, 0};
  EXPECT_FALSE(MayExecute(mmap(0, kPage), without));  // no huge page size known: refused
}

// hugetlb: MAP_HUGETLB mmaps come up, huge page aligned but for the few
// EINVAL ones; none over the free huge pages unless onto empty slots; and
// no madvise, mremap or fork while a hugetlb page is mapped (the model has
// no rules for them there).
TEST(GenOpTest, HugetlbMmapsAreAlignedAndKeepUnmodelledCallsAway) {
  GenOptions options;
  options.hugetlb = true;
  rc::Random random(7);
  int huge_mmaps = 0, aligned = 0, enomem = 0, split_refused = 0;
  for (int seq = 0; seq < 80; ++seq) {
    ModelConfig config = TestConfig(4096);
    SetHugetlbConfig(512 * kPage, 2, 0, 0, &config);
    Model model(config);
    for (int step = 0; step < 40; ++step) {
      const Op op = Draw(GenOp(model, options), random);
      ASSERT_EQ(UnmodelledReason(model, op), nullptr) << OpString(op);
      if (op.kind == OpKind::kMmap && (op.flags & uapi::kMapHugetlb)) {
        ++huge_mmaps;
        aligned += op.addr % (512 * kPage) == 0;
      }
      StepEffects fx;
      model.Apply(op, &fx);
      enomem += fx.events[static_cast<size_t>(Event::kHugetlbNoReserve)];
      split_refused += fx.events[static_cast<size_t>(Event::kHugetlbSplitRefused)] > 0;
    }
  }
  EXPECT_GT(huge_mmaps, 50);
  EXPECT_GT(aligned, huge_mmaps * 3 / 4);
  EXPECT_GT(enomem, 0);
  EXPECT_GT(split_refused, 10);
}

TEST(GenOpTest, ThpMmapsArePmdAlignedPrivateAndLockBoundariesFallInsideThem) {
  GenOptions options;
  options.thp = true;
  rc::Random random(42);
  int thp_mmaps = 0, anon_mmaps = 0, inside = 0;
  for (int seq = 0; seq < 60; ++seq) {
    ModelConfig config = TestConfig(4096);
    config.thp = true;
    Model model(config);
    for (int step = 0; step < 40; ++step) {
      const Op op = Draw(GenOp(model, options), random);
      if (op.kind == OpKind::kMmap && op.len > 0) {
        ++anon_mmaps;
        if (op.addr % (512 * kPage) == 0 && op.len % (512 * kPage) == 0) {
          ++thp_mmaps;
          EXPECT_EQ(op.flags & (uapi::kMapShared | uapi::kMapPrivate), uapi::kMapPrivate);
        }
      }
      const bool lock = op.kind == OpKind::kMlock || op.kind == OpKind::kMlock2 || op.kind == OpKind::kMunlock;
      if (lock && op.region != kAbsoluteAddr) {
        const uint64_t start = op.addr / kPage;
        if (start % 512 != 0 && start < 4096 && !model.thp().empty() &&
            model.thp()[start / 512] == ThpState::kNone && model.pages()[start].mapped) {
          for (const Region& r : model.regions()) inside += r.pages % 512 == 0 && r.first_page < start &&
                                                              start < r.first_page + r.pages;
        }
      }
      model.Apply(op);
    }
  }
  EXPECT_GT(thp_mmaps, anon_mmaps / 4);
  EXPECT_LT(thp_mmaps, anon_mmaps);
  EXPECT_GT(inside, 50);
}

RC_GTEST_PROP(GenOpTest, WithoutMlock2NoMlock2IsGenerated, ()) {
  GenOptions options;
  options.mlock2 = false;
  Model model(TestConfig(64));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, options);
    RC_ASSERT(op.kind != OpKind::kMlock2);
    model.Apply(op);
  }
}

RC_GTEST_PROP(GenOpTest, WithoutMclOnFaultNoMlockallSetsIt, ()) {
  GenOptions options;
  options.mcl_onfault = false;
  Model model(TestConfig(64));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, options);
    if (op.kind == OpKind::kMlockall) RC_ASSERT((op.flags & uapi::kMclOnfault) == 0);
    model.Apply(op);
  }
}

RC_GTEST_PROP(GenOpTest, RegionLabelsPointAtTheRegionsTheModelRemembers, ()) {
  Model model(TestConfig(64));
  for (int step = 0; step < 40; ++step) {
    const Op op = *GenOp(model, GenOptions{});
    if (IsMmap(op.kind)) {
      RC_ASSERT(op.region == model.next_region_id());
    } else if (op.region >= 0) {
      bool known = false;
      for (const Region& r : model.regions()) {
        known = known || (r.id == op.region && r.first_page * kPage == op.region_base);
      }
      RC_ASSERT(known);
    }
    model.Apply(op);
  }
}

// ---------------------------------------------------------------------------
// Flag generators.

TEST(GenFlagsTest, Mlock2FlagsAreBothValidAndInvalid) {
  rc::Random random(1);
  std::set<int> valid, invalid;
  Model model(TestConfig(64));
  model.Apply([] {
    Op op;
    op.kind = OpKind::kMmap;
    op.len = kPage;
    op.prot = uapi::kProtRead;
    op.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
    return op;
  }());
  for (int i = 0; i < 1000; ++i) {
    const int flags = Draw(GenMlock2Flags(), random);
    Op op;
    op.kind = OpKind::kMlock2;
    op.len = kPage;
    op.flags = flags;
    // ref 1: only MLOCK_ONFAULT is known.
    const bool is_valid = (flags & ~uapi::kMlockOnfault) == 0;
    EXPECT_EQ(model.Apply(op).err == uapi::kEinval, !is_valid) << flags;
    (is_valid ? valid : invalid).insert(flags);
  }
  EXPECT_THAT(valid, ::testing::ElementsAre(0, uapi::kMlockOnfault));
  EXPECT_THAT(invalid, ::testing::SizeIs(::testing::Ge(3u)));
}

TEST(GenFlagsTest, MlockallFlagsCoverEveryCombinationAndInvalidBits) {
  rc::Random random(2);
  std::set<int> seen;
  int einval = 0, ok = 0;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMlockallFlags(true), random);
    seen.insert(flags);
    Model model(TestConfig(64));
    Op op;
    op.kind = OpKind::kMlockall;
    op.flags = flags;
    (model.Apply(op).err == uapi::kEinval ? einval : ok)++;
  }
  for (int bits = 0; bits < 8; ++bits) EXPECT_EQ(seen.count(bits), 1u) << bits;  // 0 and 4 too
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](int f) { return f & ~7; }));
  EXPECT_GT(einval, 0);
  EXPECT_GT(ok, 0);
}

TEST(GenFlagsTest, MlockallFlagsWithoutMclOnFaultNeverSetIt) {
  rc::Random random(3);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMlockallFlags(false), random);
    EXPECT_EQ(flags & uapi::kMclOnfault, 0) << flags;
    seen.insert(flags);
  }
  EXPECT_EQ(seen.count(uapi::kMclCurrent | uapi::kMclFuture), 1u);
  EXPECT_TRUE(std::any_of(seen.begin(), seen.end(), [](int f) { return f & ~7; }));
}

TEST(GenFlagsTest, MmapFlagsAreAnonymousFixedAndOfOneType) {
  rc::Random random(4);
  std::set<int> seen;
  for (int i = 0; i < 2000; ++i) {
    const int flags = Draw(GenMmapFlags(), random);
    seen.insert(flags);
    EXPECT_TRUE(flags & uapi::kMapAnonymous);
    const int type = flags & (uapi::kMapShared | uapi::kMapPrivate);
    EXPECT_TRUE(type == uapi::kMapShared || type == uapi::kMapPrivate) << flags;
    EXPECT_NE(flags & (uapi::kMapFixed | uapi::kMapFixedNoreplace), 0) << flags;
  }
  const auto any = [&](int bit) {
    return std::any_of(seen.begin(), seen.end(), [bit](int f) { return (f & bit) != 0; });
  };
  EXPECT_TRUE(any(uapi::kMapShared));
  EXPECT_TRUE(any(uapi::kMapFixed));
  EXPECT_TRUE(any(uapi::kMapLocked));
  EXPECT_TRUE(any(uapi::kMapPopulate));
}

TEST(GenFlagsTest, ProtCoversAllEightCombinations) {
  rc::Random random(5);
  std::set<int> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(Draw(GenProt(), random));
  EXPECT_THAT(seen, ::testing::ElementsAre(0, 1, 2, 3, 4, 5, 6, 7));
}

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

// ---------------------------------------------------------------------------
// Printing.

// A call printed alone (RapidCheck's command, a test message) has no
// earlier mmap to label it by: arena-relative, in the sequence file's
// grammar; FormatCalls() labels calls within a sequence.
TEST(ShowOpTest, PrintsACallAloneArenaRelativeAndASequenceLabelled) {
  Op op;
  op.kind = OpKind::kMlock2;
  op.region = 3;
  op.region_base = 0x40000;
  op.addr = 0x41001;
  op.len = 0x2000;
  op.flags = uapi::kMlockOnfault;
  EXPECT_EQ(OpString(op), "mlock2(arena+0x41001, 0x2000, MLOCK_ONFAULT)");
  std::ostringstream os;
  os << op;
  EXPECT_EQ(os.str(), OpString(op));

  Op mmap;
  mmap.kind = OpKind::kMmap;
  mmap.region = 3;
  mmap.region_base = mmap.addr = 0x40000;
  mmap.len = 0x4000;
  mmap.prot = uapi::kProtRead | uapi::kProtWrite;
  mmap.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace;
  EXPECT_THAT(FormatCalls({op, mmap, op}),
              ::testing::ElementsAre("mlock2(arena+0x41001, 0x2000, MLOCK_ONFAULT)",
                          "r3 = mmap(arena+0x40000, 0x4000, PROT_READ|PROT_WRITE, "
                          "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE, -1, 0)",
                          "mlock2(r3+0x1001, 0x2000, MLOCK_ONFAULT)"));
  op.addr = 0x40000;
  op.flags = 0;
  EXPECT_EQ(FormatCalls({mmap, op}).back(), "mlock2(r3, 0x2000, 0)");
  op.kind = OpKind::kMunlock;
  op.addr = 0x3f000;
  EXPECT_EQ(FormatCalls({mmap, op}).back(), "munlock(r3-0x1000, 0x2000)");
}

TEST(ShowOpTest, PrintsArenaOffsetsAbsoluteAddressesAndFlagNames) {
  Op mmap;
  mmap.kind = OpKind::kMmap;
  mmap.region = 2;
  mmap.region_base = mmap.addr = 0x3000;
  mmap.len = 0x2000;
  mmap.prot = uapi::kProtRead | uapi::kProtWrite;
  mmap.flags = uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixedNoreplace | uapi::kMapLocked;
  EXPECT_EQ(OpString(mmap),
            "mmap(arena+0x3000, 0x2000, PROT_READ|PROT_WRITE, "
            "MAP_PRIVATE|MAP_ANONYMOUS|MAP_FIXED_NOREPLACE|MAP_LOCKED, -1, 0)");

  Op mlock;
  mlock.kind = OpKind::kMlock;
  mlock.addr = 0x5000;
  mlock.len = 0x1000;
  EXPECT_EQ(OpString(mlock), "mlock(arena+0x5000, 0x1000)");
  mlock.region = kAbsoluteAddr;
  mlock.addr = 0 - kPage;
  EXPECT_EQ(OpString(mlock), "mlock(0xfffffffffffff000, 0x1000)");

  Op mlockall;
  mlockall.kind = OpKind::kMlockall;
  mlockall.flags = uapi::kMclFuture | uapi::kMclOnfault | 0x8;
  EXPECT_EQ(OpString(mlockall), "mlockall(MCL_FUTURE|MCL_ONFAULT|0x8)");

  Op mprotect;
  mprotect.kind = OpKind::kMprotect;
  mprotect.addr = 0;
  mprotect.len = 0x1000;
  mprotect.prot = uapi::kProtNone;
  EXPECT_EQ(OpString(mprotect), "mprotect(arena+0x0, 0x1000, PROT_NONE)");

  Op touch;
  touch.kind = OpKind::kWriteTouch;
  touch.addr = 0x10;
  EXPECT_EQ(OpString(touch), "write(arena+0x10)");
  EXPECT_EQ(OpString(Op{}), "munlockall()");
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

// The advice generator: only advice the model knows or unassigned values.
TEST(GenOpsTest, MadviseAdviceIsKnownOrUnassigned) {
  rc::check([] {
    const int advice = *GenMadviseAdvice(true);
    const bool known = advice == uapi::kMadvDontneed || advice == uapi::kMadvDontneedLocked ||
                       advice == uapi::kMadvFree || advice == uapi::kMadvCold || advice == uapi::kMadvPageout ||
                       advice == uapi::kMadvWillneed || advice == uapi::kMadvPopulateRead ||
                       advice == uapi::kMadvPopulateWrite;
    RC_ASSERT(known || advice == 5 || advice == 99);
    RC_ASSERT(*GenMadviseAdvice(false) != uapi::kMadvDontneedLocked);
  });
}

}  // namespace
}  // namespace mlc
