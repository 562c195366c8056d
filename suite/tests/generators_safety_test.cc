// Tests of generators/gen_ops.h: every generated call stays where the
// runner lets it run, or fails before any VMA in a named invalid branch,
// and options keep away the calls a kernel or the model does not cover.
#include "generators/gen_ops.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "oracles/model.h"
#include "oracles/op.h"
#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "suite/testing/generators_testing.h"
#include "suite/testing/model_testing.h"

namespace mlc {
namespace {

using namespace test;  // NOLINT(google-build-using-namespace): shared test vocabulary

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

}  // namespace
}  // namespace mlc
