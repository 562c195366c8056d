#include "suite/suite_context.h"

#include <cstdio>

#include "runners/host.h"

namespace mlc {

bool MakeModelConfig(const ExecutorInfo& info, ModelConfig* config, std::string* why) {
  const auto profile = ProfileForRelease(info.release, why);
  if (!profile) return false;
  config->page_size = info.page_size;
  config->arena_base = info.arena_base;
  config->arena_pages = info.arena_pages;
  config->profile = *profile;
  config->outside_lockable_pages = info.outside_lockable_pages;
  config->has_mlock2 = info.has_mlock2;
  config->exec_only_readable = ExecOnlyIsReadable();
  config->page_flags = info.has_page_flags;
  config->noexec_files = info.noexec_files;
  config->fault_around_pages = FaultAroundPages(info.page_size);
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
  ex.max_steps = options.steps;
  ex.mlock2_enosys = options.mlock2_enosys;
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
  if (!MakeModelConfig(executor_->info(), &config_, message)) {
    executor_.reset();
    return kExitNothingRan;
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
  if (!config_.exec_only_readable) notes_.push_back("PROT_EXEC is execute-only here (protection keys)");
  // hugetlb mappings are not modelled; say why they are absent.
  const auto huge = FreeHugePages();
  notes_.push_back(huge.value_or(0) == 0
                       ? "SKIP hugetlb mappings: no huge pages reserved (HugePages_Free 0; mlockcheck never "
                         "changes the reservation)"
                       : "SKIP hugetlb mappings: not modelled yet");
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
  }
  if (!config_.page_flags) {
    notes_.push_back("SKIP page-flags channel: " + executor_->info().page_flags_reason);
  }
  return kExitConformant;
}

SequenceResult SuiteContext::Verify(const std::vector<Op>& ops, bool counting) {
  SequenceResult result = VerifySequence(ops, config_, *executor_, counting ? &coverage_ : nullptr);
  if (counting) {
    ++sequences_;
    steps_ += result.outcomes.size();
    if (options_.progress && sequences_ % 25 == 0) {
      std::fprintf(stderr, "\r  checked %llu sequences (%llu steps) of %llu ",
                   static_cast<unsigned long long>(sequences_), static_cast<unsigned long long>(steps_),
                   static_cast<unsigned long long>(options_.sequences));
      std::fflush(stderr);
    }
  }
  return result;
}

std::string SuiteContext::ReplayHint() const {
  return "./mlockcheck run --seed " + std::to_string(options_.seed) + " --sequences " +
         std::to_string(options_.sequences) + " --steps " + std::to_string(options_.steps) +
         " (or the RC_PARAMS=\"reproduce=...\" line RapidCheck prints)";
}

void SuiteContext::RecordFailure(Verdict verdict) {
  failing_ = true;
  last_failure_ = verdict;
}

void SuiteContext::EndTest(bool failed) {
  if (!failed) return;
  if (last_failure_ == Verdict::kDivergence) {
    ++divergences_;
  } else {
    ++harness_errors_;
  }
  last_failure_ = Verdict::kConformant;
}

}  // namespace mlc
