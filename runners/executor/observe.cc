// The observation of each channel after a step (see observe.h). Every read
// goes into a buffer of state.h, mapped before the first fork, so that
// nothing allocates between acting and observing; the reads are timed into
// the run's kernel time.
#include "runners/executor/observe.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "oracles/observation.h"
#include "oracles/vm_flags.h"
#include "runners/executor/probe.h"
#include "runners/executor/state.h"
#include "runners/executor/wire_io.h"
#include "runners/raw_syscalls.h"
#include "runners/smaps_parser.h"

namespace mlc::executor {

// Reads a whole /proc file with pread (no lseek: seq_file restarts at 0).
// Returns the length, or -1 if it does not fit.
long ReadProcFile(int fd, char* buf, size_t cap) {
  size_t len = 0;
  for (;;) {
    const long n = raw::Pread(fd, buf + len, cap - len, len);
    if (n < 0) return -1;
    if (n == 0) return static_cast<long>(len);
    len += static_cast<size_t>(n);
    if (len == cap) return -1;
  }
}

namespace {

uint32_t PageBitsFor(const SmapsVma& vma) {
  uint32_t bits = kPageMapped;
  if (vma.read) bits |= kPageRead;
  if (vma.write) bits |= kPageWrite;
  if (vma.exec) bits |= kPageExec;
  if (vma.shared) bits |= kPageShared;
  if (vma.vm_flags & kVmLocked) bits |= kPageLo;
  if (vma.vm_flags & kVmLockOnFault) bits |= kPageLf;
  if (vma.vm_flags & kVmHugetlb) bits |= kPageHugetlb;
  return bits;
}

// Reads the pagemap entries of the arena's VMAs into `entries` (one pread
// per run of adjacent VMAs).
void ReadPagemap(const wire::WireVma* vmas, uint32_t count, uint64_t* entries) {
  for (uint32_t i = 0; i < count;) {
    uint32_t j = i;
    while (j + 1 < count && vmas[j + 1].first_page == vmas[j].first_page + vmas[j].pages) ++j;
    const uint64_t first = vmas[i].first_page;
    const uint64_t pages = vmas[j].first_page + vmas[j].pages - first;
    const uint64_t vpn = g_config.arena_base / g_page_size + first;
    if (raw::Pread(g_pagemap_fd, entries + first, pages * 8, vpn * 8) != static_cast<long>(pages * 8)) {
      ChildFail("cannot read /proc/self/pagemap", errno);
    }
    i = j + 1;
  }
}

// Reads the pagemap entries of every page of the arena's VMAs and the
// kpageflags of the present ones (PFNs sorted, nearby ones read together),
// and writes one PageFlagBit byte per VMA page into `out`. Returns the
// number of bytes written. A page may move between the two reads
// (compaction or NUMA balancing migrates it, mm/migrate.c; a migration
// entry is no present pte meanwhile), and its old PFN may by then hold
// anyone's page: the pagemap is read again afterwards, and everything is
// read again until no page moved.
size_t ObservePageFlags(const wire::WireVma* vmas, uint32_t count, unsigned char* out, uint64_t* kernel_ns) {
  constexpr uint64_t kPresent = uint64_t{1} << 63;
  constexpr uint64_t kPfnMask = (uint64_t{1} << 55) - 1;
  constexpr int kAttempts = 64;
  const uint64_t t0 = raw::MonotonicNs();
  for (int attempt = 0;; ++attempt) {
    if (attempt == kAttempts) ChildFail("arena pages kept moving while their kpageflags were read", 0);
    ReadPagemap(vmas, count, g_pagemap);
    size_t present = 0;
    for (uint32_t i = 0; i < count; ++i) {
      for (uint64_t p = vmas[i].first_page; p < vmas[i].first_page + vmas[i].pages; ++p) {
        if (g_pagemap[p] & kPresent) g_pfns[present++] = {g_pagemap[p] & kPfnMask, p};
      }
    }
    std::sort(g_pfns, g_pfns + present, [](const PfnPage& a, const PfnPage& b) { return a.pfn < b.pfn; });
    // kpageflags of each present page, in place of its pagemap entry.
    for (size_t i = 0; i < present;) {
      size_t j = i;
      while (j + 1 < present && g_pfns[j + 1].pfn - g_pfns[i].pfn < kKpfBatch) ++j;
      const uint64_t base = g_pfns[i].pfn;
      const uint64_t n = g_pfns[j].pfn - base + 1;
      if (raw::Pread(g_kpageflags_fd, g_kpf, n * 8, base * 8) != static_cast<long>(n * 8)) {
        ChildFail("cannot read /proc/kpageflags", errno);
      }
      for (size_t k = i; k <= j; ++k) g_pagemap[g_pfns[k].page] = g_kpf[g_pfns[k].pfn - base] | kPresent;
      i = j + 1;
    }
    ReadPagemap(vmas, count, g_pagemap_again);
    bool moved = false;
    for (uint32_t i = 0; i < count && !moved; ++i) {
      for (uint64_t p = vmas[i].first_page; p < vmas[i].first_page + vmas[i].pages && !moved; ++p) {
        moved = (g_pagemap[p] & kPresent) != (g_pagemap_again[p] & kPresent);
      }
    }
    for (size_t k = 0; k < present && !moved; ++k) moved = (g_pagemap_again[g_pfns[k].page] & kPfnMask) != g_pfns[k].pfn;
    if (!moved) break;
  }
  *kernel_ns += raw::MonotonicNs() - t0;
  // include/uapi/linux/kernel-page-flags.h
  constexpr int kKpfMlocked = 33, kKpfUnevictable = 18, kKpfZeroPage = 24, kKpfThp = 22;
  size_t n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    for (uint64_t p = vmas[i].first_page; p < vmas[i].first_page + vmas[i].pages; ++p) {
      const uint64_t e = g_pagemap[p];
      uint8_t flags = 0;
      if (e & kPresent) {
        flags = kPfPresent;
        if ((e >> kKpfMlocked) & 1) flags |= kPfMlocked;
        if ((e >> kKpfUnevictable) & 1) flags |= kPfUnevictable;
        if ((e >> kKpfZeroPage) & 1) flags |= kPfZeroPage;
        if ((e >> kKpfThp) & 1) flags |= kPfThp;
      }
      out[n++] = flags;
    }
  }
  return n;
}

// The NUMA node of every page of the arena's VMAs: move_pages(2) with
// nodes NULL stores each page's node, or a negative errno where there is
// no page (mm/migrate.c do_pages_stat()); one signed byte per VMA page
// into `out`, -1 for no page. Returns the bytes written.
size_t ObserveNodes(const wire::WireVma* vmas, uint32_t count, signed char* out, uint64_t* kernel_ns) {
  size_t n = 0;
  for (uint32_t i = 0; i < count; ++i) {
    for (uint64_t p = vmas[i].first_page; p < vmas[i].first_page + vmas[i].pages; ++p) {
      g_node_pages[n++] = g_config.arena_base + p * g_page_size;
    }
  }
  const uint64_t t0 = raw::MonotonicNs();
  const Outcome where = raw::MovePages(n, g_node_pages, nullptr, g_node_status, 0);
  *kernel_ns += raw::MonotonicNs() - t0;
  if (where.ret != 0) ChildFail("move_pages(2) asking for the nodes of the arena's pages failed", where.err);
  for (size_t k = 0; k < n; ++k) out[k] = g_node_status[k] >= 0 && g_node_status[k] < 64 ? static_cast<signed char>(g_node_status[k]) : -1;
  return n;
}

// --thp: which PMD-sized ranges of the arena are PMD-mapped, one
// PAGEMAP_SCAN over the arena (PAGE_IS_HUGE: "Page is PMD-mapped THP or
// Hugetlb backed", Documentation/admin-guide/mm/pagemap.rst). A PMD over
// the huge zero page is told apart by PAGE_IS_PFNZERO where the kernel
// sets it, else by pagemap's PM_FILE bit (61), which pagemap_pmd_range()
// sets for a PMD page that is not anonymous: the huge zero folio.
constexpr uint64_t kThpBytes = 2 * 1024 * 1024;
void ObserveThp(wire::StepRecord* rec, uint64_t* kernel_ns) {
  const uint64_t t0 = raw::MonotonicNs();
  const uint64_t end = g_config.arena_base + g_config.arena_pages * g_page_size;
  rec->thp_pmd_mask = rec->thp_zero_mask = 0;
  const Outcome n = raw::PagemapScanHuge(g_pagemap_fd, g_config.arena_base, end, g_regions, 64);
  if (n.ret < 0) ChildFail("ioctl(PAGEMAP_SCAN) failed", n.err);
  for (long i = 0; i < n.ret; ++i) {
    for (uint64_t a = g_regions[i].start; a < g_regions[i].end; a += kThpBytes) {
      const uint64_t r = (a - g_config.arena_base) / kThpBytes;
      if (r >= 64) continue;
      bool zero = (g_regions[i].categories & raw::kPageIsPfnZero) != 0;
      uint64_t entry = 0;
      if (raw::Pread(g_pagemap_fd, &entry, 8, a / g_page_size * 8) != 8) {
        ChildFail("cannot read /proc/self/pagemap", errno);
      }
      zero = zero || ((entry >> 61) & 1);
      rec->thp_pmd_mask |= uint64_t{1} << r;
      if (zero) rec->thp_zero_mask |= uint64_t{1} << r;
    }
  }
  *kernel_ns += raw::MonotonicNs() - t0;
}

}  // namespace

// Observes every channel and writes one StepRecord. `kernel_ns` accumulates
// the time spent inside the observation reads.
void ObserveAndReport(uint32_t step, const Outcome& outcome, uint64_t* kernel_ns, wire::RecordType type) {
  const uint64_t arena_end = g_config.arena_base + g_config.arena_pages * g_page_size;
  const uint64_t heap_end = g_heap_base + kHeapPages * g_page_size;
  // --thp: khugepaged may collapse a range into a THP at any moment (it is
  // woken when MADV_HUGEPAGE registers the mm, mm/khugepaged.c
  // khugepaged_enter_vma()), also while the channels are being read. The
  // PMD mappings are read before and after all other channels; when they
  // differ, everything is read again, so the record is one consistent
  // snapshot (a collapse holds mmap_lock for writing, which every read but
  // kpageflags' takes).
  wire::StepRecord* const head = reinterpret_cast<wire::StepRecord*>(g_record);
  uint64_t pmd_before = 0, zero_before = 0;
  for (int attempt = 0;; ++attempt) {
    if (g_config.thp) {
      ObserveThp(head, kernel_ns);
      pmd_before = head->thp_pmd_mask;
      zero_before = head->thp_zero_mask;
    }
    uint32_t heap_count = 0;
    uint64_t heap_rss_kb = 0, heap_locked_kb = 0;
    uint64_t t0 = raw::MonotonicNs();
    const long smaps_len = ReadProcFile(g_smaps_fd, g_smaps_buf, g_smaps_cap);
    uint64_t t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;
    if (smaps_len < 0) ChildFail("/proc/self/smaps did not fit the executor's buffer", errno);

    auto* rec = reinterpret_cast<wire::StepRecord*>(g_record);
    auto* vmas = reinterpret_cast<wire::WireVma*>(g_record + sizeof(wire::StepRecord));
    rec->step = step;
    rec->ret = outcome.ret;
    rec->err = outcome.err;
    rec->signal = outcome.signal;
    rec->rss_kb = rec->locked_kb = rec->vmlck_kb = rec->lo_vma_kb = rec->anon_huge_kb = rec->hugetlb_kb = 0;
    uint32_t count = 0;
    bool straddles = false;
    const bool parsed = ParseSmaps(
        std::string_view(g_smaps_buf, static_cast<size_t>(smaps_len)), g_dialect,
        [&](const SmapsVma& vma) {
          if (vma.vm_flags & kVmLocked) rec->lo_vma_kb += (vma.end - vma.start) / 1024;
          // The heap region: the executor's guard page ends right below it,
          // so its VMAs are brk's alone.
          if (vma.end > g_heap_base && vma.start < heap_end) {
            if (vma.start < g_heap_base || vma.end > heap_end) {
              straddles = true;
              return;
            }
            g_heap_vmas[heap_count].first_page = static_cast<uint32_t>((vma.start - g_heap_base) / g_page_size);
            g_heap_vmas[heap_count].pages = static_cast<uint32_t>((vma.end - vma.start) / g_page_size);
            g_heap_vmas[heap_count].bits = PageBitsFor(vma);
            ++heap_count;
            heap_rss_kb += vma.rss_kb;
            heap_locked_kb += vma.locked_kb;
            return;
          }
          if (vma.end <= g_config.arena_base || vma.start >= arena_end) return;
          if (vma.start < g_config.arena_base || vma.end > arena_end) {
            straddles = true;
            return;
          }
          vmas[count].first_page = static_cast<uint32_t>((vma.start - g_config.arena_base) / g_page_size);
          vmas[count].pages = static_cast<uint32_t>((vma.end - vma.start) / g_page_size);
          vmas[count].bits = PageBitsFor(vma);
          ++count;
          rec->anon_huge_kb += vma.anon_huge_kb;
          rec->hugetlb_kb += vma.hugetlb_kb;
          rec->rss_kb += vma.rss_kb;
          rec->locked_kb += vma.locked_kb;
        });
    if (!parsed) ChildFail("cannot parse /proc/self/smaps", 0);
    if (straddles) ChildFail("a VMA straddles the arena or heap region boundary", 0);
    rec->vma_count = count;

    // The lock witness: msync(MS_INVALIDATE) of each VMA is EBUSY exactly
    // when it is VM_LOCKED (mm/msync.c), whatever smaps prints.
    t0 = raw::MonotonicNs();
    for (uint32_t i = 0; i < count; ++i) {
      const Outcome ms = raw::Msync(g_config.arena_base + uint64_t{vmas[i].first_page} * g_page_size,
                                    uint64_t{vmas[i].pages} * g_page_size, uapi::kMsInvalidate);
      if (ms.ret != 0 && ms.err != EBUSY) ChildFail("msync(MS_INVALIDATE) of a VMA failed", ms.err);
      if (ms.ret != 0) vmas[i].bits |= wire::kVmaMsyncBusy;
    }
    t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;

    // mincore() fails with ENOMEM across a hole, so query each run of
    // adjacent VMAs (do_mincore() walks VMAs within one call).
    unsigned char* bitmap = reinterpret_cast<unsigned char*>(vmas + count);
    const size_t bitmap_bytes = (g_config.arena_pages + 7) / 8;
    std::memset(bitmap, 0, bitmap_bytes);
    for (uint32_t i = 0; i < count;) {
      uint32_t j = i;
      while (j + 1 < count && vmas[j + 1].first_page == vmas[j].first_page + vmas[j].pages) ++j;
      const uint64_t first = vmas[i].first_page;
      const uint64_t pages = vmas[j].first_page + vmas[j].pages - first;
      t0 = raw::MonotonicNs();
      const Outcome mc = raw::Mincore(g_config.arena_base + first * g_page_size, pages * g_page_size,
                                      g_mincore);
      t1 = raw::MonotonicNs();
      *kernel_ns += t1 - t0;
      if (mc.ret != 0) ChildFail("mincore failed on a range smaps reports as mapped", mc.err);
      for (uint64_t p = 0; p < pages; ++p) {
        if (g_mincore[p] & 1) bitmap[(first + p) / 8] |= static_cast<unsigned char>(1u << ((first + p) % 8));
      }
      i = j + 1;
    }

    size_t flag_bytes = g_page_flags ? ObservePageFlags(vmas, count, bitmap + bitmap_bytes, kernel_ns) : 0;
    rec->page_flag_bytes = static_cast<uint32_t>(flag_bytes);
    const size_t node_bytes =
        g_observe_nodes
            ? ObserveNodes(vmas, count, reinterpret_cast<signed char*>(bitmap + bitmap_bytes + flag_bytes), kernel_ns)
            : 0;
    rec->node_bytes = static_cast<uint32_t>(node_bytes);
    flag_bytes += node_bytes;  // what lies between the residency and the heap's VMAs
    rec->thp_pmd_mask = rec->thp_zero_mask = 0;
    if (g_config.thp) {
      ObserveThp(rec, kernel_ns);
      if (rec->thp_pmd_mask != pmd_before || rec->thp_zero_mask != zero_before) {
        if (attempt == 8) ChildFail("the arena's PMD mappings kept changing during 8 observations", 0);
        continue;
      }
    }

    // The heap region: its VMAs, their msync witness and their residency.
    auto* heap_vmas = reinterpret_cast<wire::WireVma*>(bitmap + bitmap_bytes + flag_bytes);
    unsigned char* heap_bitmap = reinterpret_cast<unsigned char*>(heap_vmas + heap_count);
    std::memset(heap_bitmap, 0, kHeapPages / 8);
    t0 = raw::MonotonicNs();
    for (uint32_t i = 0; i < heap_count; ++i) {
      wire::WireVma& vma = heap_vmas[i];
      vma = g_heap_vmas[i];
      const uint64_t start = g_heap_base + uint64_t{vma.first_page} * g_page_size;
      const Outcome ms = raw::Msync(start, uint64_t{vma.pages} * g_page_size, uapi::kMsInvalidate);
      if (ms.ret != 0 && ms.err != EBUSY) ChildFail("msync(MS_INVALIDATE) of a heap VMA failed", ms.err);
      if (ms.ret != 0) vma.bits |= wire::kVmaMsyncBusy;
      const Outcome mc = raw::Mincore(start, uint64_t{vma.pages} * g_page_size, g_mincore);
      if (mc.ret != 0) ChildFail("mincore failed on a heap VMA", mc.err);
      for (uint64_t p = 0; p < vma.pages; ++p) {
        const uint64_t page = vma.first_page + p;
        if (g_mincore[p] & 1) heap_bitmap[page / 8] |= static_cast<unsigned char>(1u << (page % 8));
      }
    }
    *kernel_ns += raw::MonotonicNs() - t0;
    rec->heap_vma_count = heap_count;
    rec->heap_rss_kb = heap_rss_kb;
    rec->heap_locked_kb = heap_locked_kb;

    t0 = raw::MonotonicNs();
    const long status_len = ReadProcFile(g_status_fd, g_status_buf, kStatusCap);
    t1 = raw::MonotonicNs();
    *kernel_ns += t1 - t0;
    if (status_len < 0) ChildFail("cannot read /proc/self/status", errno);
    const auto vmlck =
        ParseStatusKb(std::string_view(g_status_buf, static_cast<size_t>(status_len)), "VmLck");
    if (!vmlck) ChildFail("no VmLck in /proc/self/status", 0);
    rec->vmlck_kb = *vmlck;

    // --system-counters: the counters, after everything else.
    rec->counters = 0;
    rec->mlocked_delta_kb = rec->unevictable_delta_kb = 0;
    for (int64_t& delta : rec->unevictable_events_delta) delta = 0;
    if (g_stat_refresh_fd >= 0 && type == wire::RecordType::kStep) {
      SystemCounterValues now;
      t0 = raw::MonotonicNs();
      if (!ReadSystemCounters(&now)) ChildFail("cannot read /proc/meminfo's and /proc/vmstat's counters", errno);
      *kernel_ns += raw::MonotonicNs() - t0;
      rec->counters = 1u | (now.has_events && g_base_counters.has_events ? 2u : 0u);
      const auto delta = [](uint64_t value, uint64_t base) {
        return static_cast<int64_t>(value) - static_cast<int64_t>(base);
      };
      rec->mlocked_delta_kb = delta(now.mlocked_kb, g_base_counters.mlocked_kb);
      rec->unevictable_delta_kb = delta(now.unevictable_kb, g_base_counters.unevictable_kb);
      for (int e = 0; e < wire::kUnevictableEvents; ++e) {
        rec->unevictable_events_delta[e] = delta(now.events[e], g_base_counters.events[e]);
      }
    }
    // A move_pages() step's status[], as the kernel left it.
    rec->move_status_count = type == wire::RecordType::kStep ? g_move_status_count : 0;
    unsigned char* trailer = heap_bitmap + kHeapPages / 8;
    std::memcpy(trailer, g_move_status, rec->move_status_count * sizeof(int32_t));
    trailer += rec->move_status_count * sizeof(int32_t);
    // ... and a compact() step's moved pages.
    rec->compact_bytes = type == wire::RecordType::kStep ? g_compact_bytes : 0;
    std::memcpy(trailer, g_compact_moved, rec->compact_bytes);
    const size_t size = sizeof(wire::StepRecord) + count * sizeof(wire::WireVma) + bitmap_bytes + flag_bytes +
                        heap_count * sizeof(wire::WireVma) + kHeapPages / 8 +
                        rec->move_status_count * sizeof(int32_t) + rec->compact_bytes;
    rec->header = {type, static_cast<uint32_t>(size), g_run, g_pid};
    if (!WriteAll(kRecordFd, g_record, size)) raw::ExitGroup(kExitChildError);
    return;
  }
}

}  // namespace mlc::executor
