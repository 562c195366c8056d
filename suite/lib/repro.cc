#include "suite/lib/repro.h"

#include <algorithm>
#include <sstream>

#include "oracles/files.h"
#include "oracles/page_map.h"
#include "oracles/sequence_text.h"
#include "runners/arena_guard.h"
#include "runners/executor.h"
#include "runners/host.h"
#include "suite/lib/stepper.h"
// kPrelude: the fixed part of every reproducer, suite/lib/repro_prelude.c,
// embedded by CMake.
#include "repro_prelude.h"

namespace mlc {
namespace {


std::string CString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// An argument as C: addresses relative to the arena, everything cast to
// long so that syscall(2)'s variadic arguments are full registers.
std::string CAddr(const Op& op) {
  if (op.region == kAbsoluteAddr) return HexString(op.addr) + "UL";
  const auto offset = static_cast<int64_t>(op.addr);
  return offset < 0 ? "ARENA - " + HexString(static_cast<uint64_t>(-offset)) + "UL"
                    : "ARENA + " + HexString(op.addr) + "UL";
}

std::string CArgs(const Op& op, const OpSyntax& syntax) {
  std::string out;
  for (const ArgSyntax* arg : syntax.args) {
    if (!out.empty()) out += ", ";
    switch (arg->form) {
      case ArgSyntax::Form::kAddress: out += "(long)(" + CAddr(op) + ")"; break;
      case ArgSyntax::Form::kNumber: out += "(long)" + HexString(op.*arg->number) + "UL"; break;
      // Through int: a name joined with high bits (0xfffffffe) is an
      // unsigned int in C, and the kernel takes an int.
      case ArgSyntax::Form::kFlags: out += "(long)(int)(" + arg->names(op.*arg->bits) + ")"; break;
      case ArgSyntax::Form::kLiteral: out += std::string(arg->literal) + "L"; break;
      case ArgSyntax::Form::kArenaOffset: out += "(long)(ARENA + " + HexString(op.*arg->number) + "UL)"; break;
    }
  }
  return out;
}

std::string COutcome(const Outcome& o, const Op& op, const ModelConfig& config) {
  std::ostringstream os;
  if (op.kind == OpKind::kBrk) {
    os << "(struct outcome){ (long)(brk_base + " << HexString(static_cast<uint64_t>(o.ret) - config.heap_base)
       << "UL), 0, 0 }";
  } else if (ReturnsAddress(op.kind) && o.ret != -1 && o.signal == 0) {
    os << "(struct outcome){ (long)(ARENA + " << HexString(static_cast<uint64_t>(o.ret) - config.arena_base)
       << "UL), 0, 0 }";
  } else {
    os << "(struct outcome){ " << o.ret << ", " << o.err << ", " << o.signal << " }";
  }
  return os.str();
}

// Runs of arena pages in the same expected state, for the C table.
std::string ExpectedRuns(const Observation& expected) {
  std::ostringstream os;
  size_t n = 0;
  const size_t pages = expected.page_bits.size();
  // 2 marks a page whose residency madvise left open (Observation::resident_care).
  const auto resident = [&](size_t i) {
    return !expected.resident_care.empty() && !expected.resident_care[i] ? 2 : int{expected.resident[i]};
  };
  for (size_t i = 0; i < pages;) {
    size_t j = i;
    while (j + 1 < pages && expected.page_bits[j + 1] == expected.page_bits[i] && resident(j + 1) == resident(i)) {
      ++j;
    }
    if (expected.page_bits[i] & kPageMapped) {
      os << "    { " << i << ", " << (j - i + 1) << ", " << CString(PageBitsString(expected.page_bits[i])) << ", "
         << resident(i) << " },\n";
      ++n;
    }
    i = j + 1;
  }
  if (n == 0) os << "    { 0, 0, \"unmapped\", 0 },\n";
  return os.str();
}

bool Has(const std::vector<Channel>& channels, Channel c) {
  return std::find(channels.begin(), channels.end(), c) != channels.end();
}

}  // namespace

ReproCheck ReproCheck::AllChannelsAfterLastStep(size_t steps) {
  ReproCheck check;
  check.step = steps == 0 ? 0 : steps - 1;
  for (int c = 0; c < static_cast<int>(Channel::kCount); ++c) check.channels.push_back(static_cast<Channel>(c));
  return check;
}

ReproCheck ReproCheck::ForDivergence(const SequenceResult& result) {
  ReproCheck check;
  check.step = result.diverging_step;
  for (const ChannelDiff& d : result.diffs) check.channels.push_back(d.channel);
  return check;
}

std::string WriteReproducer(const std::vector<Op>& ops, const ModelConfig& config, const ReproCheck& check,
                            const std::string& origin) {
  std::ostringstream c;
  const size_t last = std::min(check.step, ops.empty() ? 0 : ops.size() - 1);
  std::string channels;
  for (Channel ch : check.channels) channels += (channels.empty() ? "" : ", ") + std::string(ChannelName(ch));
  c << "/* mlockcheck reproducer (" << origin << ").\n"
    << " *\n"
    << " * Makes " << (last + 1) << (last == 0 ? " call" : " calls") << " with syscall(2) in an arena at a fixed address, checks each\n"
    << " * result, and after call " << last << " checks: " << (channels.empty() ? "results only" : channels) << ".\n";
  if (!check.why.empty()) c << " * " << check.why << "\n";
  c << " * Expectations: the mlockcheck model, " << config.profile.Describe() << ".\n"
    << " *\n"
    << " *   cc -static -o repro repro.c && ./repro      (with the privileges below)\n"
    << " *\n"
    << " * Exit status: 1 the kernel differs (bug present), 0 it agrees, 2 cannot run.\n"
    << " */\n";
  c << "#define PAGE " << config.page_size << "UL\n"
    << "#define ARENA " << HexString(config.arena_base) << "UL\n"
    << "#define ARENA_PAGES " << config.arena_pages << "UL\n"
    << "#define GUARD_PAGES " << kArenaGuardPages << "UL\n"
    << "#define FILE_INITIAL_PAGES " << kFileInitialPages << "UL\n";
  const auto has = [&](OpKind kind) {
    return std::any_of(ops.begin(), ops.end(), [&](const Op& op) { return op.kind == kind; });
  };
  c << "#define EXPECT_CAP_IPC_LOCK " << config.cap_ipc_lock << "\n"
    << "#define CHECK_MEMLOCK_LIMIT " << (!config.cap_ipc_lock || has(OpKind::kDropCapIpcLock)) << "\n"
    << "#define EXPECT_MEMLOCK_CUR " << HexString(config.memlock_cur) << "UL\n"
    << "#define EXPECT_MEMLOCK_MAX " << HexString(config.memlock_max) << "UL\n"
    << "#define CHECK_CAP_SYS_RESOURCE " << has(OpKind::kSetMemlockLimit) << "\n"
    << "#define EXPECT_CAP_SYS_RESOURCE " << config.cap_sys_resource << "\n";
  c << kPrelude << "\n";

  // The program runs with THP off (PR_SET_THP_DISABLE): no PMD mappings to
  // adopt.
  Stepper stepper(config);
  std::ostringstream body;
  for (size_t i = 0; i <= last && i < ops.size(); ++i) {
    const Op& op = ops[i];
    const Outcome outcome = stepper.Step(op);
    const OpSyntax* syntax = OpSyntaxOf(op.kind);
    if (syntax == nullptr) {
      body << "  /* step " << i << ": " << OpKindName(op.kind) << " has no C form */\n";
      continue;
    }
    const std::string call = syntax->is_syscall ? "sys_result(syscall(" + std::string(syntax->c_callee) + ", " +
                                                      CArgs(op, *syntax) + "))"
                                                : std::string(syntax->c_callee) + "(" + CArgs(op, *syntax) + ")";
    // A call without arguments: drop the trailing ", ".
    std::string fixed = call;
    const std::string empty_args = ", ))";
    if (const size_t at = fixed.find(empty_args); at != std::string::npos) fixed.replace(at, empty_args.size(), "))");
    body << "  step_done(" << i << ", " << CString(FormatCall(op, false)) << ", " << fixed << ",\n            "
         << COutcome(outcome, op, config) << ", " << (ReturnsAddress(op.kind)) << ");\n";
  }
  const Model& model = stepper.model();
  const Observation& expected = stepper.expected();
  const MemoryTotals totals = model.Totals();
  const uint64_t outside_kb =
      model.outside_lock() != Lock::kNone ? config.outside_lockable_pages * config.page_size / 1024 : 0;
  const PageWindow window = WindowOf(ops, config.page_size, config.arena_pages);

  c << "static const struct run expected_pages[] __attribute__((unused)) = {\n" << ExpectedRuns(expected) << "};\n\n";
  c << "int main(void) {\n"
    << "  prepare();\n"
    << "  printf(\"arena A = 0x%lx; calls (>> where the result differs):\\n\", ARENA);\n"
    << body.str()
    << "  observe();\n"
    << "  printf(\"after step " << last << ":\\n\");\n";
  if (window.end > window.first) {
    c << "  printf(\"  page map of pages " << window.first << "-" << window.end - 1
      << " ('.' unmapped, m mapped, l lo, f lo lf; upper case resident)\\n\");\n"
      << "  printf(\"    expected  " << PageMap(expected, window.first, window.end) << "\\n    observed  \");\n"
      << "  for (unsigned long p = " << window.first << "; p < " << window.end << "; p++) putchar(page_char(p));\n"
      << "  printf(\"\\n\");\n";
  }
  const bool flags = Has(check.channels, Channel::kVma), residency = Has(check.channels, Channel::kResidency);
  if (flags || residency) {
    c << "  check_pages(expected_pages, (int)(sizeof expected_pages / sizeof expected_pages[0]), " << flags << ", "
      << residency << ");\n";
  }
  if (Has(check.channels, Channel::kRss)) {
    if (expected.ranges) {
      c << "  check_kb_range(\"smaps Rss (arena)\", " << expected.rss_min_kb << ", " << totals.rss_kb << ", sum_kb(0));\n";
    } else {
      c << "  check_kb(\"smaps Rss (arena)\", " << totals.rss_kb << ", sum_kb(0));\n";
    }
  }
  if (Has(check.channels, Channel::kLocked)) {
    if (expected.ranges) {
      c << "  check_kb_range(\"smaps Locked (arena)\", " << expected.locked_min_kb << ", " << expected.locked_max_kb
        << ", sum_kb(1));\n";
    } else {
      c << "  check_kb(\"smaps Locked (arena)\", " << totals.locked_kb << ", sum_kb(1));\n";
    }
  }
  if (Has(check.channels, Channel::kVmLck)) {
    // The model's VmLck adds the executor's own mappings under
    // mlockall(MCL_CURRENT); this program's own locked mappings (MCL_CURRENT,
    // or its heap under MCL_FUTURE) are what smaps shows locked outside the
    // arena, so both sides compare the arena alone.
    // The heap's locked pages are among this program's own too.
    uint64_t heap_locked_kb = 0;
    for (const PageState& page : model.heap()) heap_locked_kb += page.mapped && page.lock != Lock::kNone;
    heap_locked_kb *= config.page_size / 1024;
    c << "  check_kb(\"VmLck (arena)\", " << totals.vmlck_kb - outside_kb - heap_locked_kb
      << ", vmlck_kb - lo_outside_kb);\n";
  }
  if (Has(check.channels, Channel::kMsyncBusy)) {
    c << "  check_msync(expected_pages, (int)(sizeof expected_pages / sizeof expected_pages[0]));\n";
  }
  if (Has(check.channels, Channel::kPageFlags) && check.channels.size() == 1) {
    // Not reproduced in C: say so rather than answer "no bug".
    c << "  printf(\"cannot check: only the page-flags channel (/proc/kpageflags) diverged, which this "
         "reproducer does not read; use ./mlockcheck replay\\n\");\n  return 2;\n";
  }
  if (Has(check.channels, Channel::kVmLckVsSmaps)) {
    // As the report words it: VmLck expected, the lo VMAs' sizes observed.
    c << "  check_kb(\"lo VMAs in smaps vs VmLck\", vmlck_kb, lo_total_kb);\n";
  }
  c << "  if (bug_present) {\n"
    << "    printf(\"BUG PRESENT: the kernel differs from the model\\n\");\n"
    << "    return 1;\n"
    << "  }\n"
    << "  printf(\"no bug: the kernel agrees with the model\\n\");\n"
    << "  return 0;\n"
    << "}\n";
  return c.str();
}

ModelConfig HostModelConfig(std::string* why) {
  ModelConfig config;
  why->clear();
  const ExecutorOptions defaults;
  config.arena_base = defaults.arena_base;
  config.arena_pages = defaults.arena_pages;
  const auto profile = ProfileForRelease(KernelRelease(), why, KernelBuild());
  if (!profile) {
    if (why->empty()) *why = "kernel " + KernelRelease() + " is not modelled";
    return config;
  }
  why->clear();
  config.profile = *profile;
  // The same measurements as a run's (MakeModelConfig()); a failed one
  // keeps the prediction.
  const MeasuredBehaviour predicted = PredictMeasured(config.profile, ReadHostFacts());
  config.measured = MeasureBehaviour(predicted, why).value_or(predicted);
  why->clear();
  const HostPrivileges privileges = ReadHostPrivileges();
  config.cap_ipc_lock = privileges.cap_ipc_lock;
  config.cap_sys_resource = privileges.cap_sys_resource;
  config.memlock_cur = privileges.memlock_cur;
  config.memlock_max = privileges.memlock_max;
  const SwapState swap = ReadSwapState();
  config.swap_active = swap.active;
  config.config_swap = swap.config_swap;
  const HugetlbState huge = ReadHugetlbState();
  SetHugetlbConfig(huge.page_size, huge.free, huge.reserved, huge.overcommit, &config);
  return config;
}

}  // namespace mlc
