// The oracle: a pure model of the arena's address space, one entry per page.
//
// Comparison is per page, not per VMA, because VMA boundaries depend on merge
// rules that differ between kernel versions (mm/vma.c, mm/mmap.c), while the
// per-page state below is what the documented rules determine. Every rule
// cites its source; "ref N" is rule N of oracles/README.md.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "oracles/events.h"
#include "oracles/files.h"
#include "oracles/kernel_profile.h"
#include "oracles/model_config.h"
#include "oracles/op.h"
#include "oracles/planted_bug.h"

namespace mlc {

enum class Lock : uint8_t { kNone, kLocked, kOnFault };  // "", "lo", "lo lf"
enum class Residency : uint8_t { kNone, kZeroPage, kPage };

struct PageState {
  bool mapped = false;
  bool shared = false;  // MAP_SHARED (shmem) vs MAP_PRIVATE anonymous
  uint8_t prot = 0;     // uapi PROT_* bits
  Lock lock = Lock::kNone;
  Residency residency = Residency::kNone;
  // File-backed pages (kMmapFile): which file and page of it. For a private
  // mapping, `cow` says the present page is the mapping's own anonymous copy
  // rather than the file's page-cache page.
  int8_t file = -1;
  bool cow = false;
  bool account = false;  // VM_ACCOUNT: keeps otherwise equal file VMAs apart
  uint32_t file_page = 0;
  // madvise: residency the rules leave open. `residency` is then what the
  // page has if nothing reclaimed it; the pte may be gone (an MADV_FREE
  // lazyfree page, a page-cache page MADV_PAGEOUT tried to reclaim), so
  // mincore, Rss, Locked and the page flags are not determined for it.
  bool open = false;
  // Shared anonymous pages (shmem objects): the object still holds the page
  // although no pte maps it (MADV_DONTNEED), and which object this is, one
  // per mmap, so fault-around stays within it.
  bool shm_cached = false;
  uint32_t shm_id = 0;
  // Shared anonymous pages: PG_mlocked left open (Model::NoteMlockDropped),
  // kept here since the object's page has no other mapping.
  bool shm_mlock_uncertain = false;
  // A VMA boundary may lie just before this page although both pages look
  // alike (set wherever a call may have split a VMA: the ends of every
  // mmap, mprotect, mlock/munlock range and mremap). Pages with equal
  // attributes and no seam between them are certainly one VMA, which
  // mremap's "within one VMA" rule needs. Not compared (model-internal).
  bool seam = false;
  // A VMA boundary certainly lies just before this page although both sides
  // look alike: a merge the kernel refused (MREMAP_DONTUNMAP's copy next to
  // its source, KernelProfile::dontunmap_merge) that no call since had a
  // chance to make (MarkSeam() clears it, as do lock changes of mlockall()
  // and munlockall(), whose vma_modify_flags() may merge). Model-internal.
  bool unmerged_start = false;
  // Pages without a file: vm_pgoff minus the page's own index. do_mmap()
  // gives a private anonymous VMA "pgoff = addr >> PAGE_SHIFT" (0 here);
  // move_vma() -> copy_vma() keeps the old pgoff of a VMA with an anon_vma
  // and resets it to the new address for one without ("update new pgoff to
  // match new location, to increase its chance of merging"), so a moved
  // faulted VMA never merges with neighbours it did not come from (mm/vma.c
  // is_mergeable_vma() and anon_vma_compatible() compare pgoff).
  // Model-internal, not compared.
  int32_t anon_pgoff_skew = 0;
  // The page's VMA's anon_vma, 0 for none (a private page was once written,
  // COWed or populated for writing in it): fork copies its ptes
  // (kernel/fork.c vma_needs_copy()). Set on the whole VMA
  // (Model::NoteAnonVma); pages that merge with such a VMA share it
  // (Model::VmaHasAnonVma). Two VMAs with different anon_vmas never merge
  // (mm/vma.c is_mergeable_anon_vma()), so the identity is kept.
  uint32_t anon_vma = 0;
  // Whether the VMA has an anon_vma is not determined: in a fork child, its
  // own pages never got one, a neighbour with equal flags did, and the
  // merge rules decide whether they are one VMA (mm/vma.c
  // is_mergeable_anon_vma()); in any model, MREMAP_DONTUNMAP moved a range
  // that may or may not have been its whole VMA (Model::MovePages()).
  // Cleared when a fault gives the VMA one for certain.
  bool anon_vma_open = false;
  // Another anon_vma the VMA may have instead: with anon_vma_open, the one
  // of the alike VMA it may have merged with; once a fault gave it one
  // (anon_vma set), the one it had if that merge happened, since
  // __anon_vma_prepare() makes a new one only for a VMA without (found by
  // a 6.18 host soak: munlockall() merged a VMA into a faulted neighbour,
  // mlock split it off again with the neighbour's anon_vma, and a fault in
  // it then found that one). Pages whose anon_vma or alternative agree may
  // be one VMA (Model::DistinctAnonVmas()).
  uint32_t anon_vma_alt = 0;
  // A MAP_HUGETLB mapping (VM_HUGETLB, "ht" in VmFlags). `shm_id` names its
  // hugetlbfs file, one per mmap, private or shared.
  bool hugetlb = false;
  // A VMA certainly starts at this page, where no merge can undo a
  // boundary: hugetlb VMAs never merge (VM_DONTEXPAND is in VM_SPECIAL,
  // mm/vma.c), so their boundaries are exactly the mmap's ends and the
  // splits since (Model::NoteHugetlbVmaStart()). Model-internal.
  bool vma_start = false;
};
bool operator==(const PageState& a, const PageState& b);

// --thp: what a PMD-sized, PMD-aligned range of the arena is mapped with,
// as the kernel reports it after every step (PAGEMAP_SCAN PAGE_IS_HUGE,
// pagemap PM_FILE for the huge zero page) and the model adopts it.
// kPteMapped is observed only: the range is not PMD-mapped, but a present
// page of it belongs to a large folio (KPF_THP), as after a split; compared
// as kNone (Model::AdoptThp() reads it).
enum class ThpState : uint8_t { kNone, kPmdThp, kHugeZero, kPteMapped };
const char* ThpStateName(ThpState s);

// One of the executor's files: its size and which of its pages the page
// cache holds (mapped in the arena or not).
struct FileState {
  uint64_t size = kFileInitialPages * 4096;  // bytes; set from the page size by Model
  std::vector<bool> cached;
  // Pages whose PG_mlocked the rules leave open (Model::NoteMlockDropped).
  std::vector<bool> mlock_uncertain;
  // Pages that may or may not still be in the page cache (MADV_PAGEOUT).
  std::vector<bool> cache_open;
};

// What move_pages(2) may store in status[] for one page (Model::MigratePages),
// as a set: bits of the values the rules allow.
enum MoveStatusBit : uint8_t {
  kMoveToTarget = 1 << 0,  // the target node: migrated, or already there
  kMoveEfault = 1 << 1,
  kMoveEnoent = 1 << 2,
  kMoveEacces = 1 << 3,    // mapped more than once, MPOL_MF_MOVE_ALL not given
  kMoveEbusy = 1 << 4,     // folio_isolate_lru() failed: someone else has it isolated
  kMoveAny = 0xff,         // not determined
};



// Per-page lock transitions, indexed [before][after].
using LockTransitions = std::array<std::array<uint32_t, 3>, 3>;
const char* LockName(Lock lock);

struct StepEffects {
  LockTransitions lock_transitions{};
  std::array<uint32_t, static_cast<size_t>(Event::kCount)> events{};
  void Note(Event e) { ++events[static_cast<size_t>(e)]; }
};

// A mapping created by a generated mmap, remembered so generators can aim
// calls at it (they stay listed after being unmapped: stale targets are
// realistic too).
struct Region {
  int id = 0;
  uint64_t first_page = 0;
  uint64_t pages = 0;
};

// The channels summed over the arena.
struct MemoryTotals {
  uint64_t rss_kb = 0;     // smaps Rss:
  uint64_t locked_kb = 0;  // smaps Locked:
  uint64_t vmlck_kb = 0;   // /proc/self/status VmLck: (arena + heap + executor's own)
  uint64_t heap_rss_kb = 0;     // smaps Rss: of the heap pages
  uint64_t heap_locked_kb = 0;  // smaps Locked: of the heap pages
  uint64_t hugetlb_kb = 0;      // smaps Private_Hugetlb: + Shared_Hugetlb: over the arena
};

class Model {
 public:
  explicit Model(const ModelConfig& config);

  // Applies one call and returns the outcome Linux promises for it.
  Outcome Apply(const Op& op, StepEffects* effects = nullptr);

  const ModelConfig& config() const { return config_; }
  const std::vector<PageState>& pages() const { return pages_; }
  const std::vector<Region>& regions() const { return regions_; }
  // --thp: per PMD-sized range of the arena.
  const std::vector<ThpState>& thp() const { return thp_; }
  // --thp: takes the kernel's report of which ranges are PMD-mapped after
  // the step just applied. A mapping the rules allow (a range inside one
  // private anonymous VMA that was not PMD-mapped, or a huge zero page over
  // pages that held nothing but zero pages) is adopted with everything that
  // follows from it; anything else is left out, so the thp channel
  // diverges. Call after Apply(), before Predict().
  void AdoptThp(const std::vector<ThpState>& observed, StepEffects* effects = nullptr);
  // --thp: arena page i belongs to a huge folio (a THP, or the huge zero
  // page while PMD-mapped) that the kernel reported PMD-mapped at some step
  // and that is still mapped there (AdoptThp()).
  bool ThpFolio(size_t i) const { return !thp_folio_.empty() && thp_folio_[i]; }
  // Whether KPF_MLOCKED of this present page is determined (ref 46: pages
  // of PTE-mapped large folios in a VM_LOCKED VMA "may be 0").
  bool MlockedOpenForThp(size_t index) const;
  // KPF_THP where determined: 1 for a PMD-mapped THP, 0 for a small page.
  bool ThpFlagKnown(size_t index, bool* thp) const;
  int next_region_id() const { return next_region_id_; }
  Lock future_lock() const { return future_lock_; }
  Lock outside_lock() const { return outside_lock_; }
  // The heap region: pages above config().heap_base, and the break's offset
  // from it.
  const std::vector<PageState>& heap() const { return heap_; }
  uint64_t brk_offset() const { return brk_; }
  // After a kFork step: the child's model as the parent saw it at the fork
  // (VMAs copied without lock bits, locked_vm 0, def_flags without
  // VM_LOCKED), with the child's probe mmap applied, and that mmap's
  // outcome; nullptr after any other step.
  const Model* fork_child() const { return fork_child_.get(); }
  const Outcome& fork_probe() const { return fork_probe_; }
  // Whether the VMA holding page i (of the arena, or of the heap) has an
  // anon_vma, so that fork copied its ptes.
  bool VmaHasAnonVma(const std::vector<PageState>& pages, size_t i) const;
  // Huge pages the arena's hugetlb mappings hold (reserved or allocated):
  // a private mapping its mapped huge pages, a shared one's file all of its
  // own while any part of it is mapped.
  uint64_t HugetlbHeldPages() const;
  bool AnyHugetlbMapped() const;
  // Pages of the memfd_secret file the page cache holds: what its faults
  // have charged to the user's locked_vm (MeasuredBehaviour::secretmem_locked
  // false); secretmem pages leave only with the file.
  uint64_t SecretmemChargedPages() const;

  // Migration (migrate.cc): the node arena page i is on where the rules
  // determine it (a present page that move_pages() reported on its target
  // node, with nothing since that could have replaced it), else -1.
  int KnownNode(size_t i) const { return page_node_.empty() ? -1 : page_node_[i]; }
  // After a kMovePages step: per page of its range, the status value the
  // model offers as canonical (a simulated kernel's answer) and the set of
  // values the rules allow (MoveStatusBit); empty after other steps.
  const std::vector<int32_t>& move_status() const { return move_status_; }
  const std::vector<uint8_t>& move_status_allowed() const { return move_allowed_; }
  // After a kCompact step: per arena page, 1 where the rules keep its page
  // frame (a PG_mlocked page with compact_unevictable_allowed 0), and the
  // pages a simulated kernel moved; empty after other steps.
  const std::vector<uint8_t>& compact_pinned() const { return compact_pinned_; }
  const std::vector<uint8_t>& compact_moved() const { return compact_moved_; }
  // Takes the kernel's answer to the move_pages() step just applied: a page
  // is on the node its status names; a positive return (the batch aborted)
  // leaves status[] undetermined. After a migrate_pages() step (status
  // empty): a return of 0 puts every page that had to move on the target,
  // a positive one leaves their nodes undetermined. Call after Apply(),
  // before Predict().
  void AdoptMigration(const Outcome& observed, const std::vector<int32_t>& status);

  // /proc/meminfo Mlocked and Unevictable as the arena and heap move them,
  // in pages, each a range (meminfo.cc); whether this step determines them.
  struct SystemCounts {
    uint64_t mlocked_lo = 0, mlocked_hi = 0;
    uint64_t unevictable_lo = 0, unevictable_hi = 0;
    bool determined = false;
  };
  SystemCounts PredictSystemCounts() const;
  // The mutant kMunlockCountsNoEvent: the pages its munlocks took off
  // NR_MLOCK without an unevictable_pgs_munlocked event (the falls of
  // Mlocked's lower bound since the sequence started).
  uint64_t MutantUncountedMunlocks() const { return mutant_uncounted_munlocks_; }

  // Channel predictions.
  MemoryTotals Totals() const;
  uint64_t RssKb() const { return Totals().rss_kb; }
  uint64_t LockedKb() const { return Totals().locked_kb; }
  uint64_t VmLckKb() const { return Totals().vmlck_kb; }

  const FileState& file(int f) const { return files_[static_cast<size_t>(f)]; }
  // Whether the page cache of `page`'s file holds its page (mincore reports
  // it resident even where this mapping has no pte, ref 47).
  bool FilePageCached(const PageState& page) const;
  bool BeyondEof(const PageState& page) const;
  // How many arena pages map file page (f, k) through the page cache (not
  // their own copy) right now: its mapcount.
  uint32_t FileMapcount(int f, uint64_t k) const;
  // Whether the kernel's per-CPU mlock and LRU batches were certainly drained
  // on the child's CPU at the end of the last step (lru_add_drain()).
  bool drained() const { return drained_; }
  bool MlockUncertain(const PageState& page) const;
  // KPF_MLOCKED that the rules determine for present arena page i.
  bool PageMlocked(size_t i) const;
  // Whether mincore of this page is left open (PageState::open, or a
  // pte-less file page whose page cache state MADV_PAGEOUT left open).
  bool ResidencyOpen(const PageState& page) const;
  // smaps Locked: over every outcome the open pages allow, in kB.
  void LockedRange(uint64_t* lo_kb, uint64_t* hi_kb) const;
  // Rss: pages that count in Totals() but may be gone.
  uint64_t OpenRssKb() const;
  bool AnyOpen() const;

  // Whether a read/write touch of a page with these protections succeeds.
  bool CanRead(uint8_t prot) const;
  static bool CanWrite(uint8_t prot);

  // Privileges and RLIMIT_MEMLOCK, the state the limit rules read.
  bool cap_ipc_lock() const { return cap_ipc_lock_; }
  uint64_t memlock_cur() const { return memlock_cur_; }
  uint64_t memlock_max() const { return memlock_max_; }
  // mm->locked_vm (= VmLck, from Totals()) and mm->total_vm (= VmSize) in
  // pages: the arena's plus the executor's own.
  uint64_t LockedVmPages() const;
  uint64_t TotalVmPages() const;
  // can_do_mlock(), mm/mlock.c: a nonzero limit or CAP_IPC_LOCK.
  bool CanDoMlock() const;
  // mlock_future_ok(), mm/mmap.c: may this mm gain `bytes` more of a mapping
  // whose lock state is `lock`? Reused by every call that creates or grows
  // a mapping that may be VM_LOCKED (mmap; mremap growth and brk under
  // MCL_FUTURE answer EAGAIN when it says no).
  bool MlockFutureOk(Lock lock, uint64_t bytes) const;

  // What the model knows about VMA boundaries inside [first, first + count)
  // arena pages (the first one mapped): certainly one VMA, certainly
  // several (a hole, or neighbours whose flags or offsets differ), or not
  // determined by the rules the model tracks (a seam between alike pages).
  enum class VmaSpan : uint8_t { kInside, kCrosses, kUnknown };
  VmaSpan SpanOf(uint64_t first, uint64_t count) const;

 private:
  // Index of the arena page holding `addr`, or -1 outside the arena.
  int64_t PageIndex(uint64_t addr) const;
  bool MappedAt(uint64_t addr) const;

  Outcome Mmap(const Op& op, StepEffects& fx);
  Outcome Munmap(const Op& op, StepEffects& fx);
  Outcome Mprotect(const Op& op, StepEffects& fx);
  Outcome DoMlock(uint64_t start, uint64_t len, Lock lock, StepEffects& fx);
  Outcome Munlock(uint64_t start, uint64_t len, StepEffects& fx);
  Outcome Mlockall(int flags, StepEffects& fx);
  Outcome Munlockall(StepEffects& fx);
  Outcome Touch(const Op& op, bool write, StepEffects& fx);
  Outcome SetMemlockLimit(uint64_t cur, uint64_t max, StepEffects& fx);
  int CheckMlockLimit(uint64_t start, uint64_t len, StepEffects& fx) const;
  uint64_t LockedPagesIn(uint64_t start, uint64_t len) const;
  uint64_t LimitPages() const { return memlock_cur_ / config_.page_size; }

  int64_t LockedNeighbours(uint64_t start, uint64_t end) const;
  Outcome Ftruncate(const Op& op, StepEffects& fx);
  Outcome Madvise(const Op& op, StepEffects& fx);
  int MadvisePage(PageState& page, int advice, StepEffects& fx);
  int MadvisePopulatePage(size_t index, bool write, StepEffects& fx);
  // Page cache (file) or shmem object (shared anonymous) holds the page
  // while this mapping has no pte for it.
  bool CachedWithoutPte(const PageState& page) const;
  bool CacheOpen(const PageState& page) const;
  Outcome Mremap(const Op& op, StepEffects& fx);
  void UnmapPages(uint64_t first, uint64_t count, StepEffects& fx);
  // Arena page i becomes `state` (unmapped by default), its per-feature
  // state (thp_folio_, mutant_stale_mlock_) dropped.
  void ResetPage(size_t i, const PageState& state = PageState{});
  void MovePages(uint64_t from, uint64_t count, uint64_t to, uint64_t new_count, bool dontunmap, StepEffects& fx);
  // Whether the copy of a repositioned VMA merges with its neighbour on one
  // side: as the rules of MergeRepositionedVma() say, refused (a certain
  // boundary), or not determined.
  enum class MergeSide : uint8_t { kRules, kRefused, kOpen };
  void MergeRepositionedVma(uint64_t to, uint64_t count, MergeSide prev = MergeSide::kRules,
                            MergeSide next = MergeSide::kRules);
  bool SameVmaAttrs(size_t a, size_t b) const;
  // Whether two pages' VMAs certainly have different anon_vmas, and whether
  // the model cannot tell (each has one, they may agree).
  static bool DistinctAnonVmas(const PageState& x, const PageState& y);
  static bool AnonVmasUndecided(const PageState& x, const PageState& y);
  // Every call that may split a VMA marks the pages at its range's ends
  // (PageState::seam); mremap's one-VMA rule relies on it (new operations
  // that change vm_flags on part of a VMA, e.g. madvise, must do the same).
  void MarkSeam(uint64_t index);
  // A VMA boundary at arena page `index` that hugetlb_vm_op_split() refuses.
  bool HugetlbSplitRefused(int64_t index) const;
  void NoteHugetlbVmaStart(int64_t index);
  void FaultInHugePage(size_t index);
  Outcome Brk(uint64_t offset, StepEffects& fx);
  Outcome Fork(const Op& op, StepEffects& fx);
  Outcome Reclaim(const Op& op, StepEffects& fx);
  void ReclaimPage(PageState& page, StepEffects& fx);
  Outcome MigratePages(const Op& op, StepEffects& fx);
  Outcome MigrateProcess(const Op& op, StepEffects& fx);
  void AdoptProcessMigration(const Outcome& observed);
  int8_t OtherMemoryNode(int node) const;
  Outcome Compact(const Op& op, StepEffects& fx);
  uint8_t MoveStatusAllowed(const PageState& page) const;
  // Node knowledge across a step (migrate.cc): what the known pages were
  // before it, and forgetting those it may have replaced.
  void SnapshotKnownNodes(const Op& op);
  void ForgetReplacedNodes();
  bool MappedLocked(const PageState& page) const;
  bool CertainlyMappedLocked(const PageState& page) const;
  void NoteAnonVma(std::vector<PageState>& pages, size_t i, bool prepared = false);
  // Marks alike neighbours of anon_vma VMAs open (vma.cc); after every call.
  void SpreadAnonVmaOpenness(std::vector<PageState>& pages);
  // Before 6.16 (KernelProfile::anon_vma_merges_into_unfaulted): the merges
  // that the call's flag changes attempted and is_mergeable_anon_vma()
  // refused, as certain boundaries (PageState::unmerged_start); `before` is
  // the arena as the call found it.
  void NoteRefusedMerges(const std::vector<PageState>& before);
  bool SameVma(const std::vector<PageState>& pages, size_t a, size_t b) const;

  Outcome ApplyOp(const Op& op, StepEffects& fx);
  int ApplyLockFlags(uint64_t start, uint64_t len, Lock lock, StepEffects& fx);
  int Populate(uint64_t start, uint64_t end, bool ignore_errors, StepEffects& fx);
  void FaultIn(PageState& page, bool write, StepEffects& fx);
  void FaultAround(size_t index, bool maybe = false);
  void ReadFaultAround(size_t index, bool write);
  bool SameFileVma(size_t a, size_t b) const;
  void SetLock(PageState& page, Lock lock, StepEffects& fx);
  void NoteMlockDropped(PageState& page, bool zapped, StepEffects& fx);
  bool DrainsAtEnd(const Op& op) const;
  void SetAllLocks(Lock lock, StepEffects& fx);
  bool ThpEligible(size_t range) const;
  bool Collapsible(size_t range) const;
  void AdoptUnseenCollapse(size_t range, StepEffects& fx);
  bool ThpIntact(size_t range) const;
  void SplitThps(const Op& op, StepEffects& fx);
  void SimulateThp(StepEffects& fx);

  ModelConfig config_;
  std::vector<PageState> pages_;
  std::vector<Region> regions_;
  int next_region_id_ = 0;
  Lock future_lock_ = Lock::kNone;   // mm->def_flags & VM_LOCKED_MASK
  Lock outside_lock_ = Lock::kNone;  // lock state of the executor's own VMAs
  bool cap_ipc_lock_ = true;
  uint64_t memlock_cur_ = uapi::kRlimInfinity;  // RLIMIT_MEMLOCK, bytes
  uint64_t memlock_max_ = uapi::kRlimInfinity;
  // Pages a mutant's wrong accounting added to (or took from) locked_vm.
  int64_t vmlck_skew_pages_ = 0;
  bool Mutant(PlantedBug bug) const { return config_.planted_bug == bug; }
  std::array<FileState, kFileCount> files_;
  bool drained_ = false;
  bool drain_this_step_ = false;  // the current step ran lru_add_drain()
  uint32_t next_shm_id_ = 0;  // PageState::shm_id of the next shared anonymous mmap
  uint32_t last_anon_vma_ = 0;  // PageState::anon_vma of the last new anon_vma
  std::vector<PageState> heap_;
  uint64_t brk_ = 0;  // the break, in bytes above config_.heap_base
  std::shared_ptr<const Model> fork_child_;
  Outcome fork_probe_;
  std::vector<ThpState> thp_;
  // --thp: per range, whether khugepaged could have collapsed it before the
  // step's call (Collapsible()) and the call then split it again.
  std::vector<uint8_t> thp_unseen_collapse_;
  // Per arena page, beside the core records (pages_): --thp's huge folios
  // (ThpFolio()), and the stale PG_mlocked that the mutant
  // kThpSplitKeepsMlocked leaves at a split. Sized only where used; they
  // move with their page (MovePages()) and go with it (ResetPage()).
  std::vector<uint8_t> thp_folio_;
  std::vector<uint8_t> mutant_stale_mlock_;
  // The mutant kReclaimClearsMlocked: pages whose PG_mlocked reclaim
  // cleared although their VMA stays locked (until a lock call sets it).
  std::vector<uint8_t> mutant_lost_mlock_;
  // Migration (migrate.cc): per arena page its known node or -1 (empty
  // without ModelConfig::migration); the last move_pages() step's status
  // prediction; the known pages as the current step found them.
  std::vector<int8_t> page_node_;
  std::vector<int32_t> move_status_;
  std::vector<uint8_t> move_allowed_;
  std::vector<std::pair<size_t, PageState>> known_before_;
  size_t move_first_page_ = 0;  // the arena page of the move_pages() range's first address
  // After a kMigratePages step that returned 0 or more: its target, the
  // arena pages certainly migrated to it when nothing failed, and those
  // that may have stayed (mapped twice under MPOL_MF_MOVE).
  int migrate_target_ = -1;
  std::vector<size_t> migrate_movers_;
  std::vector<size_t> migrate_maybe_;
  // A fork shared the parent's anonymous pages with its child: a later
  // write fault may copy one (mm/memory.c do_wp_page() copies while another
  // reference is held), onto any node, with no trace in PageState.
  bool nodes_untracked_ = false;
  // The mutant kMunmapKeepsNrMlock: pages NR_MLOCK kept after munmap.
  uint64_t mutant_nr_mlock_leak_ = 0;
  // The mutant kMunlockCountsNoEvent: MutantUncountedMunlocks(), and the
  // lower bound of Mlocked after the last step.
  uint64_t mutant_uncounted_munlocks_ = 0;
  uint64_t mutant_mlocked_lo_ = 0;
  // compaction.cc: the last compact() step's pinned and (simulated) moved
  // pages.
  std::vector<uint8_t> compact_pinned_;
  std::vector<uint8_t> compact_moved_;
  // Shared hugetlb files: shm_id and size in huge pages.
  std::vector<std::pair<uint32_t, uint64_t>> hugetlb_files_;
};

// A call the model does not cover: an id, why (printed to the user), and the
// kernel code no rule of the model decides (oracles/model/unmodelled.cc).
struct UnmodelledRule {
  const char* id;
  const char* why;
  const char* source;
};
const std::vector<UnmodelledRule>& UnmodelledRules();

// Why the model cannot predict `op` in `model`'s state, or nullptr: calls the
// model does not cover (generators never make them; replayed files that do
// are refused with this reason).
const char* UnmodelledReason(const Model& model, const Op& op);
// The first step of `ops` that UnmodelledReason() refuses, applying the
// steps before it to a model of `config`; nullptr (and *step untouched)
// when the model covers them all.
const char* UnmodelledStep(const ModelConfig& config, const std::vector<Op>& ops, size_t* step);

}  // namespace mlc
