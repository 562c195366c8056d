#include "suite/lib/limit_scenarios.h"

namespace mlc {
namespace {

constexpr uint64_t kPage = 4096;
constexpr int kLocked = kAnonPrivate | uapi::kMapLocked;

// capset(-CAP_IPC_LOCK), prlimit64(RLIMIT_MEMLOCK, pages, pages), then `ops`.
std::vector<Op> Under(uint64_t limit_pages, std::vector<Op> ops) {
  ops.insert(ops.begin(), {DropCapIpcLockOp(), SetMemlockLimitOp(limit_pages * kPage, limit_pages * kPage)});
  return ops;
}

Op WrapAround() {
  Op op = RangePages(OpKind::kMlock, 0, 0);
  op.region = kAbsoluteAddr;
  op.addr = 0 - kPage;
  op.len = 2 * kPage;
  return op;
}

Scenario Named(std::string name, std::string rule, std::vector<Op> ops) {
  Scenario scenario;
  scenario.name = std::move(name);
  scenario.rule = std::move(rule);
  scenario.ops = std::move(ops);
  return scenario;
}

}  // namespace

std::vector<Scenario> LimitScenarios() {
  using K = OpKind;
  std::vector<Scenario> s;
  s.push_back(Named("ZeroLimitMakesEveryLockingCallEperm",
               "ref 1-3: can_do_mlock() after the flag checks, before the length; munlock never EPERM",
               Under(0, {MmapPages(0, 0, 2, kRw, kAnonPrivate), RangePages(K::kMlock, 0, 0),
                         Mlock2Pages(0, 2, 0x2), Mlock2Pages(0, 2, uapi::kMlockOnfault),
                         MlockallOp(uapi::kMclCurrent | uapi::kMclFuture), MmapPages(1, 4, 1, kRw, kLocked),
                         RangePages(K::kMunlock, 0, 2), MunlockallOp()})));
  s.push_back(Named("MlockOverTheLimitDiscountsPagesAlreadyLocked",
               "ref 7: do_mlock() + count_mm_mlocked_page_nr(); a lowered limit fails even length 0",
               Under(4, {MmapPages(0, 0, 8, kRw, kAnonPrivate), Mlock2Pages(0, 4, uapi::kMlockOnfault),
                         RangePages(K::kMlock, 0, 4), RangePages(K::kMlock, 2, 4), Mlock2Pages(4, 1, 0),
                         SetMemlockLimitOp(2 * kPage, 2 * kPage), RangePages(K::kMlock, 0, 0),
                         RangePages(K::kMunlock, 0, 3), RangePages(K::kMlock, 0, 1)})));
  s.push_back(Named("LimitCheckPrecedesWrapAroundEinvalAndTheHoleWalk",
               "ref 4, 6, 7: do_mlock() checks the limit before apply_vma_lock_flags()",
               Under(3, {WrapAround(), MmapPages(0, 0, 3, kRw, kAnonPrivate), MmapPages(1, 4, 2, kRw, kAnonPrivate),
                         RangePages(K::kMlock, 0, 6), RangePages(K::kMlock, 0, 2), WrapAround()})));
  s.push_back(Named("MlockallCurrentOverTheLimitChangesNothing",
               "ref 10: total_vm > limit is ENOMEM for MCL_CURRENT, def_flags kept; MCL_FUTURE unchecked",
               Under(4, {MmapPages(0, 0, 2, kRw, kAnonPrivate), MlockallOp(uapi::kMclFuture),
                         MlockallOp(uapi::kMclCurrent | uapi::kMclOnfault), MmapPages(1, 4, 2, kRw, kAnonPrivate)})));
  s.push_back(Named("LockedMmapOverTheLimitIsEagain",
               "ref 12: mlock_future_ok() for MAP_LOCKED, MAP_FIXED over own locked pages, MCL_FUTURE",
               Under(4, {MmapPages(0, 0, 5, kRw, kLocked), MmapPages(0, 0, 4, kRw, kLocked),
                         MmapPages(1, 0, 4, kRw, uapi::kMapPrivate | uapi::kMapAnonymous | uapi::kMapFixed | uapi::kMapLocked),
                         MunlockallOp(), MlockallOp(uapi::kMclFuture), MmapPages(2, 8, 5, uapi::kProtNone, kAnonPrivate),
                         MmapPages(2, 8, 4, uapi::kProtNone, kAnonPrivate)})));
  s.push_back(Named("LockedMremapGrowthOverTheLimitIsEagain",
               "ref 12, 30: remap_is_valid() -> mlock_future_ok(delta) for growth of VM_LOCKED, moves unchecked",
               Under(4, {MmapPages(0, 0, 3, kRw, kLocked), MremapPages(0, 3, 5, 0), MremapPages(0, 3, 4, 0),
                         MremapPages(0, 4, 5, uapi::kMremapMaymove | uapi::kMremapFixed, 8),
                         MremapPages(0, 4, 4, uapi::kMremapMaymove | uapi::kMremapFixed, 8)})));
  s.push_back(Named("SoftAboveHardIsEinvalAndTheHardLimitOnlyGoesDown",
               "setrlimit(2), kernel/sys.c do_prlimit(): cur > max EINVAL; max up needs CAP_SYS_RESOURCE",
               Under(2, {SetMemlockLimitOp(3 * kPage, 2 * kPage), SetMemlockLimitOp(kPage, 3 * kPage),
                         SetMemlockLimitOp(kPage, kPage)})));
  return s;
}

}  // namespace mlc
