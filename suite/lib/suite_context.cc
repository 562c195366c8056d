#include "suite/lib/suite_context.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "oracles/sequence_text.h"
#include "runners/host.h"
#include "suite/lib/cli_args.h"
#include "suite/lib/limit_scenarios.h"
#include "suite/lib/minimize.h"
#include "suite/lib/report_dir.h"

namespace mlc {

namespace {

// --exclusive-machine, or ./mlockcheck vm's guests: the run may touch what
// is the machine's (sysctls, compaction, all of the child's memory).
bool ExclusiveMachine(const RunOptions& options) {
  const char* guest = std::getenv("MLOCKCHECK_EXCLUSIVE_MACHINE");
  return options.exclusive_machine || (guest != nullptr && std::string(guest) == "1");
}

}  // namespace

// How often a failing counterexample runs again before it is shrunk; one
// that never fails again is reported as it happened (WriteReport()).
constexpr int kReproduceAttempts = 3;

bool MakeModelConfig(const ExecutorInfo& info, ModelConfig* config, std::string* why, const HostFacts& facts) {
  const auto profile = ProfileForRelease(info.release, why, info.build);
  if (!profile) return false;
  config->page_size = info.page_size;
  config->arena_base = info.arena_base;
  config->arena_pages = info.arena_pages;
  config->profile = *profile;
  config->outside_lockable_pages = info.outside_lockable_pages;
  config->has_mlock2 = info.has_mlock2;
  config->cap_ipc_lock = info.cap_ipc_lock;
  config->cap_sys_resource = info.cap_sys_resource;
  config->memlock_cur = info.memlock_cur;
  config->memlock_max = info.memlock_max;
  config->outside_total_pages = info.outside_total_pages;
  config->page_flags = info.has_page_flags;
  config->noexec_files = info.noexec_files;
  config->fault_around_pages = FaultAroundPages(info.page_size);
  const std::optional<MeasuredBehaviour> measured =
      MeasureBehaviour(PredictMeasured(*profile, facts), why);
  if (!measured) return false;
  config->measured = *measured;
  const SwapState swap = ReadSwapState();
  config->swap_active = swap.active;
  config->config_swap = swap.config_swap;
  config->heap_base = info.heap_base;
  config->memcg_reclaim = info.memcg_reclaim;
  config->numa_memory_nodes = info.numa_memory_nodes;
  config->migration = info.migration;
  config->observe_nodes = info.migration && !info.numa_balancing;
  SetHugetlbConfig(info.huge_page_size, info.huge_pages_free, info.huge_pages_rsvd, ReadHugetlbState().overcommit,
                   config);
  return true;
}

SuiteContext& SuiteContext::Get() {
  static SuiteContext context;
  return context;
}

int SuiteContext::Init(const RunOptions& options, std::string* message) {
  options_ = options;
  ExecutorOptions ex;
  ex.arena_pages = options.arena_mib * 1024 * 1024 / 4096;
  // --steps bounds the random sequences; the reference, limit and corpus
  // scenarios run whole whatever it is.
  ex.max_steps = options.steps;
  gen_options_.max_length = static_cast<int>(options.steps) - 1;
  for (const auto& scenarios : {ReferenceScenarios(), LimitScenarios()}) {
    for (const Scenario& s : scenarios) ex.max_steps = std::max<uint32_t>(ex.max_steps, static_cast<uint32_t>(s.ops.size()));
  }
  ex.mlock2_enosys = options.mlock2_enosys;
  ex.thp = options.thp;
  ex.system_counters = ex.compaction = ExclusiveMachine(options);
  if (options.thp) {
    // Nothing could run: THP off or of a kind the model does not know.
    if (const std::string why = ThpUnavailableReason(options.thp_sysfs); !why.empty()) {
      *message = "--thp: " + why;
      return kExitNothingRan;
    }
  }
  StartFailure failure;
  executor_ = Executor::Start(ex, message, &failure);
  if (!executor_) return failure == StartFailure::kUnsupported ? kExitNothingRan : kExitHarness;
  if (executor_->info().page_size != 4096) {
    // ExecutorOptions sizes the arena in 4 KiB pages; other sizes are not
    // modelled yet.
    *message = "page size " + std::to_string(executor_->info().page_size) + " is not supported";
    executor_.reset();
    return kExitNothingRan;
  }
  const HostFacts facts = ReadHostFacts(options.proc_cmdline);
  if (!MakeModelConfig(executor_->info(), &config_, message, facts)) {
    executor_.reset();
    return kExitNothingRan;
  }
  if (options.thp) {
    if (executor_->info().pagemap_scan_err != 0) {
      *message = "--thp: ioctl(PAGEMAP_SCAN) fails with " + ErrnoName(executor_->info().pagemap_scan_err) +
                 " (needs 6.7+), so PMD mappings cannot be observed";
      executor_.reset();
      return kExitNothingRan;
    }
    config_.thp = true;
    config_.thp_pages = 2 * 1024 * 1024 / config_.page_size;
    gen_options_.thp = true;
    gen_options_.thp_pages = config_.thp_pages;
    notes_.push_back("THP profile: private anonymous mappings are MADV_HUGEPAGE; which 2 MiB ranges the kernel "
                     "PMD-maps is read after every step (PAGEMAP_SCAN) and adopted by the model");
    // Not modelled with THPs yet: the fork child's THP view (copy_huge_pmd()
    // per VMA with an anon_vma, the huge zero page; and the parent's later
    // write to a COW-shared PMD, which do_huge_pmd_wp_page() reuses or
    // splits by reference count), and the advice that split a THP's folio.
    // mremap needs nothing of its own: move_page_tables() moves a PMD whole
    // (move_huge_pmd()) or splits it, and either result is adopted.
    gen_options_.fork = false;
    gen_options_.madvise_without_folio_splits = true;
    notes_.push_back("SKIP fork operations under --thp: copy_huge_pmd() and the parent's later write to a "
                     "COW-shared PMD are not modelled yet");
    notes_.push_back("SKIP MADV_FREE, MADV_COLD and MADV_PAGEOUT under --thp: on part of a THP they split its folio "
                     "only if split_folio() finds no extra reference, which no rule decides");
  }
  std::string errata_text = BuiltinErrataText();
  if (!options.errata_file.empty()) {
    std::error_code ec;
    std::ifstream in(options.errata_file);
    std::stringstream text;
    if (in) text << in.rdbuf();
    if (!in || !std::filesystem::is_regular_file(options.errata_file, ec)) {
      *message = "cannot read errata registry " + options.errata_file;
      executor_.reset();
      return kExitHarness;
    }
    errata_text = text.str();
    notes_.push_back("TEST HOOK: errata registry " + options.errata_file);
  }
  std::string errata_error;
  const auto errata = ParseErrata(errata_text, &errata_error);
  if (!errata) {
    *message = "errata registry: " + errata_error;
    executor_.reset();
    return kExitHarness;
  }
  errata_ = *errata;
  size_t here = 0;
  for (const Erratum& e : errata_) here += e.AffectsKernel(config_.profile.version);
  if (!errata_.empty()) {
    notes_.push_back("kernel errata: " + std::to_string(errata_.size()) + " registered, " + std::to_string(here) +
                     " affecting this kernel (a matching divergence is reported as a known kernel bug)");
  }
  if (options.planted_bug) {
    config_.planted_bug = PlantedBug::kOnFaultOverLockedKeepsLo;
    notes_.push_back("TEST HOOK: the model has a planted bug; divergences are expected");
  }
  gen_options_.mlock2 = executor_->info().has_mlock2;
  gen_options_.mcl_onfault = executor_->info().has_mcl_onfault;
  if (!gen_options_.mlock2) notes_.push_back("SKIP mlock2 operations: the kernel returns ENOSYS for mlock2");
  if (!gen_options_.mcl_onfault) {
    notes_.push_back("SKIP MCL_ONFAULT operations: the kernel rejects mlockall(MCL_FUTURE|MCL_ONFAULT)");
  }
  if (!config_.profile.mremap_modelled) {
    gen_options_.mremap = false;
    notes_.push_back("SKIP mremap operations: the model covers mremap from 6.1 on (its three check orders, "
                     "read from mm/mremap.c); older kernels are not modelled");
  }
  // What was measured rather than taken from the version, and whether the
  // profile explains it (oracles/kernel_profile.h MeasuredBehaviour).
  const MeasuredBehaviour predicted = PredictMeasured(config_.profile, facts);
  if (options.proc_cmdline != "/proc/cmdline") notes_.push_back("TEST HOOK: kernel command line from " + options.proc_cmdline);
  unexplained_ = UnexplainedMeasurements(config_.measured, predicted);
  notes_.push_back(std::string("measured: read faults map ") +
                   (config_.measured.read_fault_maps_zero_page ? "the zero page" : "a page of their own (no zero page)") +
                   ", memfd_secret mappings " +
                   (config_.measured.secretmem_locked ? "VM_LOCKED" : "charged per fault") + ", PROT_EXEC " +
                   (config_.measured.exec_only_readable ? "readable" : "execute-only") +
                   (unexplained_.empty() ? "; as the profile and the machine predict"
                                         : "; " + std::to_string(unexplained_.size()) + " not explained (see below)"));
  for (const std::string& why : unexplained_) notes_.push_back("DIVERGENCE measured behaviour: " + why);
  if (!executor_->info().initial_user_namespace) {
    notes_.push_back("in a user namespace: its capabilities do not count for the kernel's capable() checks, "
                     "which look at the initial one; modelled as absent");
  }
  for (const std::string& note : PrivilegeNotes(config_)) notes_.push_back(note);
  // hugetlb: what the pool allows; mlockcheck never changes the reservation.
  const ExecutorInfo& ex_info = executor_->info();
  const uint64_t overcommit = ReadHugetlbState().overcommit;
  if (options.no_hugetlb) {
    config_.huge_page_pages = 0;
    notes_.push_back("SKIP hugetlb mappings: --no-hugetlb (another job of this run has the machine's huge page pool)");
  } else if (options.thp) {
    config_.huge_page_pages = 0;
    notes_.push_back("SKIP hugetlb mappings: not modelled together with --thp");
  } else if (ex_info.huge_page_size == 0) {
    notes_.push_back("SKIP hugetlb mappings: no Hugepagesize in /proc/meminfo (kernel without CONFIG_HUGETLBFS)");
  } else if (overcommit != 0) {
    notes_.push_back("SKIP hugetlb mappings: nr_overcommit_hugepages is " + std::to_string(overcommit) +
                     " (surplus huge pages are not modelled)");
  } else if (config_.huge_page_pages == 0) {
    notes_.push_back("SKIP hugetlb mappings: the arena is not aligned to or smaller than a huge page");
  } else if (config_.hugetlb_available == 0) {
    notes_.push_back("hugetlb: no free huge pages (HugePages_Free " + std::to_string(ex_info.huge_pages_free) +
                     ", HugePages_Rsvd " + std::to_string(ex_info.huge_pages_rsvd) +
                     "): MAP_HUGETLB is checked for its ENOMEM only; boot with hugepages=N to check hugetlb "
                     "mappings (./mlockcheck vm --append hugepages=N)");
  } else {
    notes_.push_back("hugetlb: " + std::to_string(config_.hugetlb_available) + " free huge pages of " +
                     std::to_string(ex_info.huge_page_size / 1024) +
                     " kB for MAP_HUGETLB; madvise, mremap and fork are not generated while one is mapped");
  }
  gen_options_.hugetlb = config_.huge_page_pages > 0;
  gen_options_.tmpfile = executor_->info().tmpfile_err == 0;
  if (!gen_options_.tmpfile) {
    notes_.push_back("SKIP tmpfs file mappings: cannot create a file in /dev/shm (" +
                     ErrnoName(executor_->info().tmpfile_err) + ")");
  }
  gen_options_.secretmem = executor_->info().secretmem_err == 0;
  if (!gen_options_.secretmem) {
    notes_.push_back("SKIP memfd_secret mappings: memfd_secret fails with " +
                     ErrnoName(executor_->info().secretmem_err) +
                     " (needs CONFIG_SECRETMEM; before 6.5 also the secretmem.enable=1 boot parameter)");
  } else if (!config_.measured.secretmem_locked) {
    notes_.push_back("memfd_secret: mappings are not VM_LOCKED here; each page is charged to the user's locked_vm "
                     "when faulted (\"mm/secretmem: properly account locked pages\", stable 6.1.191/6.12.113)");
  }
  if (!config_.page_flags) {
    notes_.push_back("SKIP page-flags channel: " + executor_->info().page_flags_reason);
  }
  if (config_.swap_active) {
    notes_.push_back("swap is active: MADV_PAGEOUT of anonymous pages is left open (it may page them out)");
  }
  // reclaim(): THP reclaim splits or swaps whole folios, which no rule here
  // decides yet.
  gen_options_.reclaim = config_.memcg_reclaim && !gen_options_.thp;
  if (!config_.memcg_reclaim) {
    notes_.push_back("SKIP reclaim operations: " + executor_->info().memcg_reason);
  } else if (gen_options_.thp) {
    config_.memcg_reclaim = false;
    notes_.push_back("SKIP reclaim operations under --thp: how reclaim splits or swaps a THP is not modelled yet");
  } else {
    notes_.push_back("reclaim: each child runs alone in the memory cgroup " + executor_->info().memcg_path +
                     (config_.swap_active ? ", with swap: unlocked pages may go, locked ones must stay"
                                          : ", without swap: no page of the arena may go"));
  }
  // move_pages(): how a THP migrates (whole, or split first) is not
  // modelled, as for reclaim.
  gen_options_.migration = config_.migration && !gen_options_.thp;
  config_.migrate_process = false;
  if (!config_.migration) {
    notes_.push_back("SKIP migration operations: " + executor_->info().migration_reason);
  } else if (gen_options_.thp) {
    config_.migration = config_.observe_nodes = false;
    notes_.push_back("SKIP migration operations under --thp: how a THP migrates is not modelled yet");
  } else {
    notes_.push_back("migration: move_pages() between the NUMA nodes with memory (mask " +
                     HexString(config_.numa_memory_nodes) + "); locked pages must arrive resident and mlocked");
    // migrate_pages() moves the child's pages outside the arena too.
    config_.migrate_process = ExclusiveMachine(options_);
    config_.cap_sys_nice = executor_->info().cap_sys_nice;
    if (config_.migrate_process) {
      notes_.push_back(std::string("migration: migrate_pages() of the whole child to each node (") +
                       (config_.cap_sys_nice ? "CAP_SYS_NICE: MPOL_MF_MOVE_ALL" : "MPOL_MF_MOVE: pages mapped twice stay") +
                       ")");
    } else {
      notes_.push_back("SKIP migrate_pages operations: they move the child's memory outside the arena too "
                       "(a machine the run has to itself: --exclusive-machine, ./mlockcheck vm)");
    }
    if (!config_.observe_nodes) {
      notes_.push_back("SKIP numa-node channel: kernel.numa_balancing is on, pages may move by themselves");
    }
  }
  // /proc/meminfo Mlocked and Unevictable (rule 72): asked for, and given.
  config_.system_counters = executor_->info().system_counters && !gen_options_.thp;
  if (config_.system_counters) {
    notes_.push_back("meminfo: Mlocked and Unevictable compared after every drained step, from each sequence's "
                     "start (this machine's locked memory is the run's alone)");
    notes_.push_back(executor_->info().unevictable_events
                         ? "vmstat: unevictable_pgs_mlocked - munlocked - stranded - cleared checked against Mlocked "
                           "after every step"
                         : "SKIP vmstat channel: no unevictable_pgs_* in /proc/vmstat (CONFIG_VM_EVENT_COUNTERS)");
  } else if (executor_->options().system_counters) {
    notes_.push_back("SKIP meminfo channel: " + (gen_options_.thp ? std::string("not modelled under --thp")
                                                                  : executor_->info().system_counters_reason));
  }
  // compact() (rule 73): on a machine the run has to itself.
  config_.compaction = executor_->info().compaction && !gen_options_.thp;
  gen_options_.compaction = config_.compaction;
  gen_options_.migrate_process = config_.migrate_process;
  if (config_.compaction) {
    notes_.push_back("compaction: compact_memory with compact_unevictable_allowed 0 (locked pages keep their page "
                     "frames) and 1 (they may move, and stay resident and mlocked)");
  } else if (executor_->options().compaction) {
    notes_.push_back("SKIP compaction operations: " + (gen_options_.thp ? std::string("not modelled under --thp")
                                                                        : executor_->info().compaction_reason));
  }
  MarkUnreachableEvents();
  // Before any child ran: the end-of-run check of NR_MLOCK compares with it.
  mlocked_baseline_ = SampleMlocked();
  return kExitConformant;
}

void SuiteContext::MarkUnreachableEvents() {
  const auto close = [this](Gate gate, const std::string& why) { coverage_.CloseGate(gate, why); };
  if (!config_.measured.read_fault_maps_zero_page) close(kGateZeroPage, "no zero page on this kernel");
  if (!gen_options_.thp) close(kGateThp, "THP is off without --thp");
  if (config_.huge_page_pages == 0) {
    close(kGateHugetlb, "hugetlb is not generated (see the header)");
  } else if (config_.hugetlb_available == 0) {
    close(kGateHugetlbPool, "no free huge pages");
  }
  if (!gen_options_.mremap) {
    close(kGateMremap, "mremap is not generated (see the header)");
  } else if (config_.profile.mremap_classic) {
    close(kGateMremapMultiVma, "moves of several VMAs came with 6.17");
  }
  if (!gen_options_.secretmem) close(kGateSecretmem, "memfd_secret is not generated");
  close(config_.measured.secretmem_locked ? kGateSecretmemCharged : kGateSecretmemLocked,
        config_.measured.secretmem_locked ? "secretmem VMAs are VM_LOCKED here, not charged per fault (see the header)"
                                 : "secretmem pages are charged per fault here, not VM_LOCKED (see the header)");
  if (!config_.page_flags) close(kGatePageFlags, "no page-flags channel");
  if (!gen_options_.madvise) {
    close(kGateMadvise, "madvise is not generated (see the header)");
  } else if (gen_options_.madvise_without_folio_splits) {
    close(kGateMadvFolioSplit, "MADV_FREE, MADV_COLD and MADV_PAGEOUT are not generated under --thp");
  }
  if (!gen_options_.fork) close(kGateFork, "fork is not generated (see the header)");
  if (!gen_options_.reclaim) close(kGateReclaim, "reclaim is not generated (see the header)");
  if (!config_.swap_active) close(kGateSwap, "no active swap area");
  if (!gen_options_.migration) close(kGateMigration, "move_pages is not generated (see the header)");
  if (!gen_options_.compaction) close(kGateCompaction, "compact is not generated (a machine the run has to itself only)");
  if (!gen_options_.migrate_process) {
    close(kGateMigrateProcess, "migrate_pages is not generated (two NUMA nodes and a machine the run has to itself)");
  }
}

SequenceResult SuiteContext::Verify(const std::vector<Op>& ops, bool counting) {
  SequenceResult result = VerifySequence(ops, config_, *executor_, counting ? &coverage_ : nullptr);
  if (counting) {
    ++sequences_;
    steps_ += result.outcomes.size();
    if (options_.progress && sequences_ % 25 == 0) {
      // One line that fits the terminal: a wrapped one is not overwritten by
      // the next and floods a narrow window.
      char line[160];
      std::snprintf(line, sizeof line, "  checked %llu sequences (%llu steps) of %llu",
                    static_cast<unsigned long long>(sequences_), static_cast<unsigned long long>(steps_),
                    static_cast<unsigned long long>(options_.sequences));
      const size_t width = static_cast<size_t>(std::max(StderrColumns() - 1, 1));
      std::fprintf(stderr, "\r%.*s\033[K", static_cast<int>(std::min(width, std::strlen(line))), line);
      std::fflush(stderr);
    }
  }
  return result;
}

std::string SuiteContext::UnsupportedReason(const std::vector<Op>& ops) const {
  for (const Op& op : ops) {
    if (op.kind == OpKind::kMlock2 && !gen_options_.mlock2) return "mlock2 returns ENOSYS";
    if (op.kind == OpKind::kMlockall && (op.flags & uapi::kMclOnfault) && !gen_options_.mcl_onfault) {
      return "MCL_ONFAULT is not supported";
    }
    if (op.kind == OpKind::kReclaim && !gen_options_.reclaim) {
      return "reclaim needs the child's own memory cgroup (see the header)";
    }
    if (op.kind == OpKind::kCompact && !gen_options_.compaction) {
      return "compact needs a machine the run has to itself (see the header)";
    }
    if (op.kind == OpKind::kMovePages && !gen_options_.migration) {
      return "move_pages needs two NUMA nodes with memory (see the header)";
    }
    if (op.kind == OpKind::kMigratePages && !gen_options_.migrate_process) {
      return "migrate_pages needs two NUMA nodes with memory and a machine the run has to itself (see the header)";
    }
    if (op.kind == OpKind::kMremap && !config_.profile.mremap_modelled) {
      return "mremap is modelled for 6.1-6.15 and 6.17+ only";
    }
    if (op.kind == OpKind::kMmapFile && op.file == kSecretmem && !gen_options_.secretmem) {
      return "memfd_secret mappings are left out on this kernel (see the header)";
    }
    if (op.kind == OpKind::kMmapFile && op.file == kTmpfile && !gen_options_.tmpfile) {
      return "the tmpfs file cannot be created here (see the header)";
    }
    if (gen_options_.thp) {
      if (op.kind == OpKind::kFork && !gen_options_.fork) return "fork is not modelled under --thp";
    }
    if (op.kind == OpKind::kMmap && (op.flags & uapi::kMapHugetlb) && config_.huge_page_pages > 0 &&
        config_.hugetlb_available == 0) {
      return "MAP_HUGETLB needs free huge pages (boot with hugepages=N)";
    }
  }
  size_t step = 0;
  if (const char* why = UnmodelledStep(config_, ops, &step)) return "step " + std::to_string(step) + ": " + why;
  return "";
}

// Every flag of a normal run that changes what is generated or how it is
// judged goes into the line, so the rerun meets the same sequences under
// the same rules (test hooks such as --planted-bug are the caller's).
std::string SuiteContext::ReplayHint() const {
  std::string flags = " --jobs 1";
  if (options_.arena_mib != RunOptions{}.arena_mib) flags += " --arena-mib " + std::to_string(options_.arena_mib);
  if (options_.thp) flags += " --thp";
  if (options_.no_hugetlb) flags += " --no-hugetlb";
  if (options_.exclusive_machine) flags += " --exclusive-machine";
  if (options_.strict) flags += " --strict";
  return "./mlockcheck run --seed " + std::to_string(options_.seed) + " --sequences " +
         std::to_string(options_.sequences) + " --steps " + std::to_string(options_.steps) + flags +
         " (or the RC_PARAMS=\"reproduce=...\" line RapidCheck prints)";
}

const Erratum* SuiteContext::MatchKnownBug(const std::vector<Op>& ops, const SequenceResult& result,
                                           const std::string& report, bool counting) {
  if (result.verdict != Verdict::kDivergence || result.diverging_step >= ops.size()) return nullptr;
  const Erratum* erratum =
      MatchErratum(errata_, config_.profile.version, ops[result.diverging_step], result.diffs);
  if (erratum == nullptr || !counting) return erratum;
  ++known_bugs_.try_emplace(erratum->id, KnownBug{erratum, 0, report}).first->second.sequences;
  return erratum;
}

void SuiteContext::RecordFailure(Verdict verdict) {
  failing_ = true;
  last_failure_ = verdict;
}

void SuiteContext::RecordDivergence(const std::vector<Op>& ops, const SequenceResult& result,
                                    const std::string& rerun) {
  RecordFailure(Verdict::kDivergence);
  failing_ops_ = ops;
  failing_result_ = result;
  failing_rerun_ = rerun;
}

// The first report goes to the report directory itself, later ones of the
// same run to "<dir>-2", "<dir>-3", ...
std::string SuiteContext::WriteReport() {
  const std::string base = options_.report_dir.empty() ? DefaultReportDir(release()) : options_.report_dir;
  // Never over an existing report: a name another run (or this one) used
  // is skipped.
  std::string dir;
  do {
    ++reports_written_;
    dir = reports_written_ > 1 ? base + "-" + std::to_string(reports_written_) : base;
  } while (HoldsReport(dir));
  // The failure as the property saw it: a divergence that is no registered
  // kernel erratum (or any, under --strict). A candidate that only meets a
  // known bug is another failure: shrinking to it would report the erratum
  // and lose the divergence (found by a --thp soak: a 62-call counterexample
  // became the 2-call erratum mremap-dontunmap-unlocks-whole-vma).
  const auto fails = [&](const std::vector<Op>& ops, SequenceResult* out) {
    SequenceResult result = Verify(ops, /*counting=*/false);
    const bool failed = result.verdict == Verdict::kDivergence &&
                        (options_.strict || MatchKnownBug(ops, result, "", /*counting=*/false) == nullptr);
    if (out != nullptr) *out = std::move(result);
    return failed;
  };
  // RapidCheck's counterexample, simplified further on the kernel if it
  // fails again (RapidCheck's own shrinking found no failing candidate of
  // one that does not). A candidate the model does not cover proves
  // nothing (a file mapping moved off its window, say).
  const ShrunkFailure shrunk = ShrinkFailure(failing_ops_, [&](const std::vector<Op>& ops) {
    size_t step = 0;
    return UnmodelledStep(config_, ops, &step) == nullptr && fails(ops, nullptr);
  }, kReproduceAttempts);
  SequenceResult result;
  ReportInputs in;
  if (shrunk.repeated && fails(shrunk.ops, &result)) {
    in.ops = shrunk.ops;
    in.result = result;
  } else {  // not reproducible: report what the property saw
    in.ops = failing_ops_;
    in.result = failing_result_;
    if (!shrunk.repeated) in.not_repeated = kReproduceAttempts;
  }
  in.config = config_;
  in.release = release();
  in.rerun = failing_rerun_;
  std::string error;
  std::string text;
  if (WriteReportDir(dir, in, &error)) {
    text += "report: " + dir + "/ (report.txt, sequence.txt, repro.c)\n";
  } else {
    text += "mlockcheck: " + error + "\n";
  }
  // The sequence printed last is the final one: what the last pass made of
  // RapidCheck's counterexample, as sequence.txt has it.
  text += "final sequence (" + std::to_string(in.ops.size()) + (in.ops.size() == 1 ? " call" : " calls") +
          "; RapidCheck's had " + std::to_string(failing_ops_.size()) +
          (in.not_repeated > 0 ? "; not shrunk: it did not fail again in " + std::to_string(in.not_repeated) + " runs):\n"
                               : "; shrunk further and renumbered):\n");
  for (const std::string& call : FormatCalls(in.ops)) text += "  " + call + "\n";
  return text;
}

std::string SuiteContext::EndTest(bool failed) {
  if (!failed) return "";
  std::string text;
  if (last_failure_ == Verdict::kDivergence) {
    ++divergences_;
    if (!failing_ops_.empty()) text = WriteReport();
    failing_ops_.clear();
  } else {
    ++harness_errors_;
  }
  last_failure_ = Verdict::kConformant;
  return text;
}

}  // namespace mlc

namespace mlc {
namespace {

std::string LimitText(uint64_t bytes) {
  if (bytes == uapi::kRlimInfinity) return "unlimited";
  if (bytes % 1024 == 0) return std::to_string(bytes / 1024) + " kB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::vector<std::string> PrivilegeNotes(const ModelConfig& config) {
  std::vector<std::string> notes;
  const std::string limit = "RLIMIT_MEMLOCK soft " + LimitText(config.memlock_cur) + ", hard " +
                            LimitText(config.memlock_max);
  if (config.cap_ipc_lock) {
    notes.push_back("privileges: CAP_IPC_LOCK (" + limit +
                    "); sequences that drop it with capset are checked under the limit");
  } else {
    notes.push_back("privileges: no CAP_IPC_LOCK: every sequence is checked under " + limit);
  }
  if (!config.cap_sys_resource) {
    notes.push_back("no CAP_SYS_RESOURCE: generated limits stay under the hard limit; raising it is checked as EPERM");
  }
  return notes;
}

}  // namespace mlc
